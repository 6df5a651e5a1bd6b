"""ICD-10 codes of the infectious diseases epibridge notifications are about.

Why a curated table and not the whole of ICD-10: national focal points pick a disease from a
short, reviewed list with names in the organisation's languages (English, and Russian and Chinese,
the SCO's working languages); a code outside the table is still accepted when it is a well-formed
ICD-10 code in the ranges where communicable diseases live (chapter I A00-B99, influenza and
pneumonia J09-J18, and the emergency codes U04 SARS and U07 COVID-19), so a rarer disease never
blocks a notification.

Codes and English titles follow the WHO ICD-10 (2019 version); Russian titles follow the Russian
edition (МКБ-10), Chinese titles the Chinese edition (ICD-10 国际疾病分类). ``A97`` (dengue) is
the 2019 version's replacement for ``A90``/``A91``; both are kept because national systems still
send the older codes.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import NamedTuple

from epibridge.errors import InvalidValue
from epibridge.i18n import LANGUAGES, N_, Language

__all__ = [
    "DISEASES",
    "UNKNOWN",
    "Disease",
    "disease_name",
    "is_valid_icd10",
    "validate_disease_code",
]

UNKNOWN = "unknown"
"""Accepted in place of a code when the disease is not (yet) identified."""


class Disease(NamedTuple):
    code: str
    en: str
    ru: str
    zh: str


_ROWS: tuple[Disease, ...] = (
    Disease("A00", "Cholera", "Холера", "霍乱"),
    Disease("A01", "Typhoid and paratyphoid fevers", "Тиф и паратиф", "伤寒和副伤寒"),
    Disease("A01.0", "Typhoid fever", "Брюшной тиф", "伤寒"),
    Disease(
        "A02", "Other salmonella infections", "Другие сальмонеллезные инфекции", "其他沙门菌感染"
    ),
    Disease("A03", "Shigellosis", "Шигеллез", "志贺菌病"),
    Disease(
        "A04",
        "Other bacterial intestinal infections",
        "Другие бактериальные кишечные инфекции",
        "其他细菌性肠道感染",
    ),
    Disease(
        "A04.3",
        "Enterohaemorrhagic Escherichia coli infection",
        "Энтерогеморрагическая инфекция, вызванная Escherichia coli",
        "肠出血性大肠埃希菌感染",
    ),
    Disease("A05.1", "Botulism", "Ботулизм", "肉毒中毒"),
    Disease(
        "A08",
        "Viral and other specified intestinal infections",
        "Вирусные и другие уточненные кишечные инфекции",
        "病毒性和其他特指的肠道感染",
    ),
    Disease("A08.0", "Rotaviral enteritis", "Ротавирусный энтерит", "轮状病毒性肠炎"),
    Disease(
        "A09",
        "Other gastroenteritis and colitis of infectious and unspecified origin",
        "Другой гастроэнтерит и колит инфекционного и неуточненного происхождения",
        "其他和未特指感染性胃肠炎和结肠炎",
    ),
    Disease(
        "A15",
        "Respiratory tuberculosis, bacteriologically and histologically confirmed",
        "Туберкулез органов дыхания, подтвержденный бактериологически и гистологически",
        "呼吸道结核病，经细菌学和组织学证实",
    ),
    Disease(
        "A16",
        "Respiratory tuberculosis, not confirmed bacteriologically or histologically",
        "Туберкулез органов дыхания, не подтвержденный бактериологически или гистологически",
        "呼吸道结核病，未经细菌学或组织学证实",
    ),
    Disease(
        "A17", "Tuberculosis of nervous system", "Туберкулез нервной системы", "神经系统结核病"
    ),
    Disease("A18", "Tuberculosis of other organs", "Туберкулез других органов", "其他器官的结核病"),
    Disease("A19", "Miliary tuberculosis", "Милиарный туберкулез", "粟粒性结核病"),
    Disease("A20", "Plague", "Чума", "鼠疫"),
    Disease("A20.2", "Pneumonic plague", "Легочная форма чумы", "肺鼠疫"),
    Disease("A22", "Anthrax", "Сибирская язва", "炭疽"),
    Disease("A23", "Brucellosis", "Бруцеллез", "布鲁氏菌病"),
    Disease("A27", "Leptospirosis", "Лептоспироз", "钩端螺旋体病"),
    Disease("A36", "Diphtheria", "Дифтерия", "白喉"),
    Disease("A37", "Whooping cough", "Коклюш", "百日咳"),
    Disease("A39", "Meningococcal infection", "Менингококковая инфекция", "脑膜炎球菌感染"),
    Disease("A75", "Typhus fever", "Сыпной тиф", "斑疹伤寒"),
    Disease("A80", "Acute poliomyelitis", "Острый полиомиелит", "急性脊髓灰质炎"),
    Disease(
        "A80.0",
        "Acute paralytic poliomyelitis, vaccine-associated",
        "Острый паралитический полиомиелит, ассоциированный с вакциной",
        "急性麻痹性脊髓灰质炎，疫苗相关性",
    ),
    Disease(
        "A80.1",
        "Acute paralytic poliomyelitis, wild virus, imported",
        "Острый паралитический полиомиелит, вызванный диким завезенным вирусом",
        "急性麻痹性脊髓灰质炎，野病毒，输入性",
    ),
    Disease(
        "A80.2",
        "Acute paralytic poliomyelitis, wild virus, indigenous",
        "Острый паралитический полиомиелит, вызванный диким природным вирусом",
        "急性麻痹性脊髓灰质炎，野病毒，本土性",
    ),
    Disease("A82", "Rabies", "Бешенство", "狂犬病"),
    Disease(
        "A83", "Mosquito-borne viral encephalitis", "Комариный вирусный энцефалит", "蚊媒病毒性脑炎"
    ),
    Disease(
        "A84", "Tick-borne viral encephalitis", "Клещевой вирусный энцефалит", "蜱传病毒性脑炎"
    ),
    Disease(
        "A85",
        "Other viral encephalitis, not elsewhere classified",
        "Другие вирусные энцефалиты, не классифицированные в других рубриках",
        "其他病毒性脑炎，不可归类在他处者",
    ),
    Disease(
        "A86",
        "Unspecified viral encephalitis",
        "Вирусный энцефалит неуточненный",
        "未特指的病毒性脑炎",
    ),
    Disease(
        "A90", "Dengue fever [classical dengue]", "Лихорадка денге [классическая денге]", "登革热"
    ),
    Disease("A91", "Dengue haemorrhagic fever", "Геморрагическая лихорадка денге", "登革出血热"),
    Disease("A92.3", "West Nile virus infection", "Лихорадка Западного Нила", "西尼罗病毒感染"),
    Disease("A92.4", "Rift Valley fever", "Лихорадка долины Рифт", "裂谷热"),
    Disease("A95", "Yellow fever", "Желтая лихорадка", "黄热病"),
    Disease("A96.2", "Lassa fever", "Лихорадка Ласса", "拉沙热"),
    Disease("A97", "Dengue", "Денге", "登革热"),
    Disease(
        "A98.0",
        "Crimean-Congo haemorrhagic fever",
        "Крымская геморрагическая лихорадка (вызванная вирусом Конго)",
        "克里米亚-刚果出血热",
    ),
    Disease("A98.3", "Marburg virus disease", "Болезнь, вызванная вирусом Марбург", "马尔堡病毒病"),
    Disease("A98.4", "Ebola virus disease", "Болезнь, вызванная вирусом Эбола", "埃博拉病毒病"),
    Disease(
        "A98.5",
        "Haemorrhagic fever with renal syndrome",
        "Геморрагическая лихорадка с почечным синдромом",
        "肾综合征出血热",
    ),
    Disease("B01", "Varicella [chickenpox]", "Ветряная оспа", "水痘"),
    Disease("B03", "Smallpox", "Натуральная оспа", "天花"),
    Disease("B04", "Mpox (monkeypox)", "Оспа обезьян (mpox)", "猴痘"),
    Disease("B05", "Measles", "Корь", "麻疹"),
    Disease("B06", "Rubella [German measles]", "Краснуха", "风疹"),
    Disease("B15", "Acute hepatitis A", "Острый гепатит A", "急性甲型肝炎"),
    Disease("B16", "Acute hepatitis B", "Острый гепатит B", "急性乙型肝炎"),
    Disease(
        "B17",
        "Other acute viral hepatitis",
        "Другие острые вирусные гепатиты",
        "其他急性病毒性肝炎",
    ),
    Disease("B17.1", "Acute hepatitis C", "Острый гепатит C", "急性丙型肝炎"),
    Disease("B17.2", "Acute hepatitis E", "Острый гепатит E", "急性戊型肝炎"),
    Disease("B26", "Mumps", "Эпидемический паротит", "流行性腮腺炎"),
    Disease(
        "B50",
        "Plasmodium falciparum malaria",
        "Малярия, вызванная Plasmodium falciparum",
        "恶性疟原虫疟疾",
    ),
    Disease(
        "B51", "Plasmodium vivax malaria", "Малярия, вызванная Plasmodium vivax", "间日疟原虫疟疾"
    ),
    Disease(
        "B52",
        "Plasmodium malariae malaria",
        "Малярия, вызванная Plasmodium malariae",
        "三日疟原虫疟疾",
    ),
    Disease(
        "B53",
        "Other parasitologically confirmed malaria",
        "Другие виды паразитологически подтвержденной малярии",
        "其他寄生虫学证实的疟疾",
    ),
    Disease("B54", "Unspecified malaria", "Малярия неуточненная", "未特指的疟疾"),
    Disease(
        "J09",
        "Influenza due to identified zoonotic or pandemic influenza virus",
        "Грипп, вызванный идентифицированным зоонозным или пандемическим вирусом гриппа",
        "已标明的人畜共患或大流行性流感病毒引起的流行性感冒",
    ),
    Disease(
        "J10",
        "Influenza due to identified seasonal influenza virus",
        "Грипп, вызванный идентифицированным вирусом сезонного гриппа",
        "已标明的季节性流感病毒引起的流行性感冒",
    ),
    Disease(
        "J11",
        "Influenza, virus not identified",
        "Грипп, вирус не идентифицирован",
        "流行性感冒，病毒未标明",
    ),
    Disease(
        "U04",
        "Severe acute respiratory syndrome [SARS]",
        "Тяжелый острый респираторный синдром [ТОРС]",
        "严重急性呼吸综合征[SARS]",
    ),
    Disease(
        "U04.9",
        "Severe acute respiratory syndrome [SARS], unspecified",
        "Тяжелый острый респираторный синдром [ТОРС] неуточненный",
        "未特指的严重急性呼吸综合征[SARS]",
    ),
    Disease(
        "U07.1",
        "COVID-19, virus identified",
        "COVID-19, вирус идентифицирован",
        "2019冠状病毒病，病毒已标明",
    ),
    Disease(
        "U07.2",
        "COVID-19, virus not identified",
        "COVID-19, вирус не идентифицирован",
        "2019冠状病毒病，病毒未标明",
    ),
)

DISEASES = MappingProxyType({row.code: row for row in _ROWS})
"""The curated table, keyed by normalised ICD-10 code."""

_UNKNOWN_NAMES = {"en": "Unknown disease", "ru": "Неизвестное заболевание", "zh": "未知疾病"}
_FORMAT = re.compile(r"[A-Z]\d\d(?:\.[0-9A-Z]{1,2})?")


def _normalise(code: str) -> str:
    norm = code.strip().upper()
    return UNKNOWN if norm == UNKNOWN.upper() else norm


def is_valid_icd10(code: str) -> bool:
    """Say whether ``code`` has ICD-10 syntax (``A00``, ``A00.1``, ``U07.1``) or is ``unknown``."""
    norm = _normalise(code)
    return norm == UNKNOWN or _FORMAT.fullmatch(norm) is not None


def _in_accepted_range(code: str) -> bool:
    category = code[:3]
    return "A00" <= category <= "B99" or "J09" <= category <= "J18" or category in {"U04", "U07"}


def validate_disease_code(code: str) -> str:
    """Return the normalised code (``"a00"`` -> ``"A00"``) or raise ``InvalidValue`` saying why."""
    if not isinstance(code, str):
        raise InvalidValue(
            N_("disease code must be a string, got {kind}"), {"kind": type(code).__name__}
        )
    norm = _normalise(code)
    if norm == UNKNOWN or norm in DISEASES:
        return norm
    if _FORMAT.fullmatch(norm) is None:
        raise InvalidValue(
            N_(
                "{code} is not an ICD-10 code: expected a letter, two digits and an optional "
                "subdivision (e.g. 'A00', 'A98.4', 'U07.1'), or 'unknown'"
            ),
            {"code": repr(code)},
        )
    if not _in_accepted_range(norm):
        raise InvalidValue(
            N_(
                "{code} is not an infectious-disease code: accepted are A00-B99, J09-J18, "
                "U04 and U07, or 'unknown'"
            ),
            {"code": repr(code)},
        )
    return norm


def disease_name(code: str, lang: Language | str = "en") -> str | None:
    """Return the disease's name in ``lang``, falling back to the code's ICD-10 category.

    ``lang`` may be a tag such as ``ru-RU``; languages other than en/ru/zh get the English name.
    Returns ``None`` for a valid code that is not in the table (nor its category).
    """
    norm = validate_disease_code(code)
    primary = lang.split("-")[0].split("_")[0].lower()
    field = primary if primary in LANGUAGES else "en"
    if norm == UNKNOWN:
        return _UNKNOWN_NAMES[field]
    row = DISEASES.get(norm) or DISEASES.get(norm[:3])
    return None if row is None else getattr(row, field)
