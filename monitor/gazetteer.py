"""Dutch names of the world's countries, for telling one subject from another.

What holds:

* every UN member state is listed by its usual Dutch name (plus Kosovo,
  Palestina, Taiwan, Vaticaanstad and Westelijke Sahara); the canonical name is
  the first on its line and is also a form;
* forms are case-sensitive, as Dutch writes them (``Turkse``, not ``turkse``):
  that keeps common words out (``frans``, ``chili``, ``letten``); callers title-case
  all-caps tokens themselves;
* ``Nederland`` and the parts of the Kingdom are not listed: the sender is never
  "another subject"; neither are multilateral names (EU, NAVO, VN, Europa);
* :data:`NEUTRAL` forms (``Latijns-Amerika``) match but name no country, so their
  parts (``Amerika``) do not count;
* :data:`FORMS` is keyed by :func:`fold` (no diacritics, straight apostrophes),
  so ``Oekraine`` and ``Oekraïne`` are the same key.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from .lexicon import WORD_RE  # forms are tokenised exactly as letters are

# One country a line: "Canonical: form, form(e), ...". "Xs(e)" stands for both "Xs" and "Xse".
# Adjectives/demonyms are given for countries that come up in Dutch foreign-policy letters.
# Deliberately left out: bare "Frans" (a first name: Frans Timmermans), "Engels(e)" (the language),
# ethnic names shared with Afghanistan's own groups (Tadzjieken, Oezbeken, Turkmenen) and most capitals.
_TABLE = """
Afghanistan: Afghaans(e), Afghaan, Afghanen
Albanië: Albanees, Albanese, Albanezen
Algerije: Algerijns(e), Algerijnen
Andorra
Angola: Angolees, Angolese
Antigua en Barbuda
Argentinië: Argentijns(e), Argentijnen
Armenië: Armeens(e), Armeniërs
Australië: Australisch(e), Australiërs
Azerbeidzjan: Azerbaijan, Azerbeidzjaans(e), Azerbeidzjanen
Bahama's: Bahamas
Bahrein: Bahrain
Bangladesh
Barbados
Belarus: Wit-Rusland, Belarussisch(e), Wit-Russisch(e), Belarussen, Wit-Russen, Lukashenko, Loekasjenko
België: Belgisch(e), Belgen
Belize
Benin
Bhutan
Bolivia: Boliviaans(e)
Bosnië en Herzegovina: Bosnië-Herzegovina, Bosnië, Bosnisch(e)
Botswana
Brazilië: Braziliaans(e)
Brunei
Bulgarije: Bulgaars(e), Bulgaren
Burkina Faso
Burundi: Burundees, Burundese
Cambodja: Cambodjaans(e)
Canada: Canadees, Canadese, Canadezen
Centraal-Afrikaanse Republiek: Centraal-Afrikaans(e)
Chili: Chileens(e)
China: Chinees, Chinese, Chinezen, Peking, Beijing
Colombia: Colombiaans(e)
Comoren
Congo-Brazzaville: Republiek Congo
DR Congo: Democratische Republiek Congo, Congo-Kinshasa, DRC, Congo, Congolees, Congolese, Congolezen
Costa Rica: Costa Ricaans(e)
Cuba: Cubaans(e)
Cyprus: Cypriotisch(e)
Denemarken: Deens(e), Denen
Djibouti
Dominica
Dominicaanse Republiek: Dominicaans(e)
Duitsland: Duits(e), Duitsers
Ecuador
Egypte: Egyptisch(e), Egyptenaren
El Salvador
Equatoriaal-Guinea
Eritrea: Eritrees, Eritrese, Eritreeërs
Estland: Estisch(e)
Eswatini: Swaziland
Ethiopië: Ethiopisch(e), Ethiopiërs
Fiji
Filipijnen: Filipijns(e)
Finland: Fins(e)
Frankrijk: Franse, Fransen
Gabon
Gambia
Georgië: Georgisch(e), Georgiërs
Ghana: Ghanees, Ghanese
Grenada
Griekenland: Grieks(e), Grieken
Guatemala
Guinee
Guinee-Bissau
Guyana
Haïti: Haïtiaans(e)
Honduras
Hongarije: Hongaars(e), Hongaren
Ierland: Iers(e), Ieren
IJsland: IJslands(e)
India: Indiaas, Indiase, Indiërs
Indonesië: Indonesisch(e)
Irak: Iraaks(e), Irakees, Irakezen, Bagdad
Iran: Iraans(e), Iraniërs, Teheran
Israël: Israëlisch(e), Israëliërs
Italië: Italiaans(e), Italianen
Ivoorkust: Côte d'Ivoire, Ivoriaans(e)
Jamaica
Japan: Japans(e), Japanners
Jemen: Jemenitisch(e), Jemenieten
Jordanië: Jordaans(e), Jordaniërs
Kaapverdië
Kameroen
Kazachstan
Kenia: Keniaans(e)
Kirgizië: Kirgizstan
Kiribati
Koeweit: Koeweits(e)
Kroatië: Kroatisch(e), Kroaten
Laos
Lesotho
Letland: Lets(e)
Libanon: Libanees, Libanese, Libanezen
Liberia
Libië: Libisch(e), Libiërs
Liechtenstein
Litouwen: Litouws(e)
Luxemburg: Luxemburgs(e)
Madagaskar
Malawi
Maldiven
Maleisië: Maleisisch(e)
Mali: Malinees, Malinese
Malta: Maltees, Maltese
Marokko: Marokkaans(e), Marokkanen
Marshalleilanden
Mauritanië
Mauritius
Mexico: Mexicaans(e), Mexicanen
Micronesia
Moldavië: Moldova, Moldavisch(e)
Monaco
Mongolië: Mongools(e)
Montenegro
Mozambique
Myanmar: Birma, Burma
Namibië
Nauru
Nepal: Nepalees, Nepalese
Nicaragua
Niger
Nigeria: Nigeriaans(e), Nigerianen
Nieuw-Zeeland
Noord-Korea: Noord-Koreaans(e)
Noord-Macedonië: Macedonië, Noord-Macedonisch(e)
Noorwegen: Noors(e), Noren
Oekraïne: Oekraïens(e), Oekraïners, Krim, Donbas, Kyiv, Kiev, Zelensky, Zelenskyy, Zelenski
Oezbekistan
Oman
Oostenrijk: Oostenrijks(e), Oostenrijkers
Oost-Timor: Timor-Leste
Pakistan: Pakistaans(e), Pakistanen
Palau
Panama
Papoea-Nieuw-Guinea
Paraguay
Peru: Peruaans(e)
Polen: Pools(e)
Portugal: Portugees, Portugese, Portugezen
Qatar: Katar
Roemenië: Roemeens(e), Roemenen
Rusland: Russische Federatie, Russisch(e), Russen, Rus, Moskou, Kremlin, Poetin, Putin
Rwanda
Saint Kitts en Nevis
Saint Lucia
Saint Vincent en de Grenadines
Salomonseilanden
Samoa
San Marino
Sao Tomé en Principe
Saoedi-Arabië: Saudi-Arabië, Saoedisch(e), Saoedi-Arabisch(e), Saoediërs
Senegal
Servië: Servisch(e), Serviërs
Seychellen
Sierra Leone
Singapore
Slovenië: Sloveens(e)
Slowakije: Slowaaks(e)
Soedan: Sudan, Soedanees, Soedanese, Soedanezen
Somalië: Somalisch(e), Somaliërs
Spanje: Spaans(e), Spanjaarden
Sri Lanka: Sri Lankaans(e)
Suriname: Surinaams(e)
Syrië: Syrisch(e), Syriërs, Damascus
Tadzjikistan
Tanzania
Thailand: Thais(e)
Togo
Tonga
Trinidad en Tobago
Tsjaad
Tsjechië: Tsjechisch(e), Tsjechen
Tunesië: Tunesisch(e), Tunesiërs
Turkije: Turks(e), Turken, Ankara
Turkmenistan
Tuvalu
Uganda: Ugandees, Ugandese
Uruguay
Vanuatu
Venezuela: Venezolaans(e)
Verenigde Arabische Emiraten: VAE, Emiraten
Verenigde Staten: Verenigde Staten van Amerika, VS, Amerika, Amerikaans(e), Amerikanen, Washington
Verenigd Koninkrijk: VK, Groot-Brittannië, Brittannië, Brits(e), Britten, Engeland, Schotland, Wales, Noord-Ierland, Noord-Iers(e), Londen
Vietnam: Vietnamees, Vietnamese
Zambia
Zimbabwe
Zuid-Afrika: Zuid-Afrikaans(e)
Zuid-Korea: Korea, Koreaans(e), Zuid-Koreaans(e)
Zuid-Soedan
Zweden: Zweeds(e)
Zwitserland: Zwitsers(e)
Kosovo: Kosovaars(e)
Palestina: Palestijns(e), Palestijnen, Gaza, Gazastrook, Westelijke Jordaanoever
Taiwan: Taiwanees, Taiwanese
Vaticaanstad: Heilige Stoel
Westelijke Sahara
"""

# Regions whose parts would otherwise name a country ("Zuid-Amerikaanse" is not American).
NEUTRAL = tuple(f"{p}-Amerika{s}" for p in ("Latijns", "Zuid", "Noord", "Midden", "Centraal", "Afro")
                for s in ("", "ans", "anse"))

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ı": "i"})  # "ı" comes from PDF text ("Oekraı̈ne")


@lru_cache(maxsize=100_000)
def fold(token: str) -> str:
    """The lookup key of a token: diacritics dropped, apostrophes straightened, case kept."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFKD", token.translate(_APOSTROPHES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _expand(form: str) -> list[str]:
    return [form[:-3], form[:-3] + "e"] if form.endswith("(e)") else [form]


def _parse(table: str) -> dict[str, tuple[str, ...]]:
    countries: dict[str, tuple[str, ...]] = {}
    for line in table.strip().splitlines():
        name, _, rest = line.partition(":")
        forms = [name.strip()] + [f for raw in rest.split(",") if raw.strip() for f in _expand(raw.strip())]
        countries[name.strip()] = tuple(dict.fromkeys(forms))
    return countries


COUNTRIES: dict[str, tuple[str, ...]] = _parse(_TABLE)

# Single-token forms → canonical name ("" for a neutral region).
FORMS: dict[str, str] = {}
# Multi-word forms by the key of their first token, longest first → (keys of all tokens, canonical).
MULTI: dict[str, list[tuple[tuple[str, ...], str]]] = {}

for _name, _forms in [*COUNTRIES.items(), ("", NEUTRAL)]:
    for _form in _forms:
        _keys = tuple(fold(t) for t in WORD_RE.findall(_form))
        if len(_keys) == 1:
            FORMS[_keys[0]] = _name
        else:
            MULTI.setdefault(_keys[0], []).append((_keys, _name))
for _options in MULTI.values():
    _options.sort(key=lambda option: -len(option[0]))
