"""Drug names as text: the words that name a substance, and brand names of common drugs.

:func:`reduce_name` is the text half of drug identity (issue 11 item 1; the drug table half
is :mod:`scrubber.reference.identity`): a drug cell reduced to the words that name what was
given, so that "Vancomycin 1 g in NS 250 mL IVPB" and "vancomycin" read alike. Plain Python
on one string: callers run it once per distinct cell. :data:`BRAND_TO_GENERIC` folds the
brands the drug table does not list (Tylenol, Lupron, Medrol) when nothing in the table
matched a name.
"""

from __future__ import annotations

import re

#: fluids written many ways, folded to one word each before anything else (order matters:
#: half-normal before normal saline, a percentage before a bare name). The one words are
#: what the drug table's names fold to as well: D5W, D5NS, D5-1/2NS, LR, NS.
_FLUIDS = (
    (r"\blactated\s+ringers?\b|\bringers?\s+lactated?\b|\blr\b", " lr "),
    (r"\b0?\.45\s*%?\s*(?:sodium chloride|nacl|saline|ns)\b"
     r"|\b(?:sodium chloride|nacl|saline)\s*0?\.45\s*%?"
     r"|(?<![a-z0-9.])(?:1/2|half)\s*-?\s*(?:normal saline|ns)\b", " halfns "),
    (r"\b0?\.9\s*%?\s*(?:sodium chloride|nacl|saline|ns)\b"
     r"|\b(?:sodium chloride|nacl|saline)\s*0?\.9\s*%?"
     r"|\bnormal\s+saline\b|\bnss?\b", " ns "),
    # a bare sodium chloride (no strength, or a volume) is normal saline; 3% or 23.4% is not
    (r"\b(?:sodium chloride|nacl|saline)\b(?!\s*\d+(?:\.\d+)?\s*%)", " ns "),
    (r"\bdextrose\s*(\d+(?:\.\d+)?)\s*%", r" d\1 "),
    (r"\bdextrose\b", " d5w "),  # no strength: the common bag
    (r"\b(d\d+(?:\.\d+)?)\s*(?:in\s+|/\s*|-\s*)?(?:water|w)\b", r" \1w "),
    (r"\b(d\d+(?:\.\d+)?)\s*(?:in\s+|/\s*|-\s*|\+\s*|and\s+|with\s+)?(ns|halfns|lr)\b",
     r" \1\2 "),
)
_FLUID_PATTERNS = tuple((re.compile(p), word) for p, word in _FLUIDS)
_FLUID_WORDS = r"ns|halfns|lr|d\d+(?:\.\d+)?(?:w|ns|halfns|lr)?"
#: a diluent phrase: "in" and what the drug was mixed in (a fluid, a volume, a bag), which
#: names the carrier, not the drug: "in NS", "in D5W 250 mL", "in 100 mL".
_DILUENT = re.compile(
    r"\bin\s+(?:(?:\d[\d,]*(?:\.\d+)?\s*(?:ml|l|cc|liters?|litres?)\b|"
    + _FLUID_WORDS + r"|sterile\s+water(?:\s+for\s+injection)?|water(?:\s+for\s+injection)?"
    r"|swfi|sw|\d+(?:\.\d+)?\s*%|a|an|the|of|bag|minibag|premix(?:ed)?|syringe)"
    r"(?![a-z0-9])[\s,]*)+")
_UNIT = (r"mg|mcg|ug|g|gm|gms|grams?|kg|ml|mls|l|cc|liters?|litres?|units?|u|iu|meq|mmol"
         r"|mcl|ul|hrs?|h|mins?|minutes?|m2|%")
_SPLIT_UNIT = re.compile(rf"(\d)(?=(?:{_UNIT})(?![a-z]))")
_TOKEN = re.compile(r"[a-z0-9%][a-z0-9%.]*")
_NUMBER = re.compile(r"[\d.,]*\d[\d.,]*%?|%|\.+")
#: words that say how much, in what or how, never what: strength, units, volume, form,
#: packaging, route and connecting words ("40 mg/4 mL", "IVPB", "premix", "bag", "and").
FORM_WORDS = frozenset(_UNIT.replace("?", "").split("|")) | {
    "unit", "liter", "litre", "gram", "hr", "min", "minute", "s",
    "inj", "injection", "injections", "injectable", "inf", "infusion", "infusions", "infuse",
    "infused", "iv", "ivpb", "ivp", "ivf", "push", "piggyback", "pb", "premix", "premixed",
    "bag", "bags", "minibag", "vial", "vials", "syringe", "syringes", "pfs", "prefilled",
    "solution", "soln", "sol", "susp", "suspension", "powder", "pwd", "lyophilized", "bolus",
    "drip", "gtt", "continuous", "dose", "doses", "ampule", "ampul", "ampoule", "amp", "amps",
    "sdv", "mdv", "pf", "preservative", "free", "intravenous", "intravenously",
    "intramuscular", "subcutaneous", "subcut", "sc", "sq", "subq", "im", "ia",
    "intra", "arterial", "intraarterial", "rtu", "container", "diluted", "mixed", "mix",
    "reconstituted", "admixture", "over", "via", "given", "stat", "prn", "once", "x", "per",
    "of", "in", "and", "with", "w", "plus", "or", "for", "at", "rate", "load", "loading",
    "kit", "pen", "autoinjector", "cartridge", "bottle", "flexible", "dosage", "strength",
    "single", "multi", "use"}
#: salt words that name the same drug (vancomycin hydrochloride is vancomycin); other salts
#: stay: potassium chloride is not potassium phosphate (see ION_WORDS).
SAME_DRUG_SALTS = frozenset({"hcl", "hydrochloride"})
#: cations whose salts are different drugs: a name made only of these (the table's
#: "potassium", "magnesium") does not name "potassium phosphate" or "magnesium oxide".
ION_WORDS = frozenset({"potassium", "sodium", "calcium", "magnesium", "ferric", "ferrous",
                       "iron", "zinc", "lithium", "ammonium", "aluminum"})
#: anions and other second words of a salt.
ANION_WORDS = frozenset({"chloride", "phosphate", "phosphates", "sulfate", "bicarbonate",
                         "acetate", "citrate", "gluconate", "lactate", "carbonate", "oxide",
                         "hydroxide", "bromide", "iodide", "glycerophosphate", "sucrose",
                         "dextran", "gluceptate", "edetate", "chlorides", "sulphate"})


def reduce_name(text: str) -> str:
    """A drug name reduced to the words that name a substance (see the module docstring).

    Lower-cased; fluids folded (:data:`_FLUIDS`: "0.9% sodium chloride" is "ns", "D5 1/2 NS"
    "d5halfns"); diluent phrases ("in NS", "in 100 mL") removed; then strength, units,
    volume, form, packaging and route words dropped (:data:`FORM_WORDS`), and the salt words
    that do not change the drug ("HCl"). "" when nothing names a substance.

    >>> reduce_name("Furosemide 40 mg/4 mL")
    'furosemide'
    >>> reduce_name("Vancomycin 1 g in NS 250 mL IVPB")
    'vancomycin'
    >>> reduce_name("Potassium phosphate 15 mmol")
    'potassium phosphate'
    """
    lower = text.lower().replace("'", "").replace("\u2019", "").replace("\u00b5", "u")
    for pattern, word in _FLUID_PATTERNS:
        lower = pattern.sub(word, lower)
    lower = _SPLIT_UNIT.sub(r"\1 ", _DILUENT.sub(" ", lower))
    words = [w.strip(".") for w in _TOKEN.findall(lower)]
    return " ".join(w for w in words if w and w not in FORM_WORDS
                    and w not in SAME_DRUG_SALTS and not _NUMBER.fullmatch(w))

BRAND_TO_GENERIC: dict[str, str] = {
    # biologics and monoclonal antibodies
    "remicade": "infliximab", "inflectra": "infliximab", "renflexis": "infliximab",
    "avsola": "infliximab", "rituxan": "rituximab", "truxima": "rituximab",
    "ruxience": "rituximab", "riabni": "rituximab", "herceptin": "trastuzumab",
    "avastin": "bevacizumab", "mvasi": "bevacizumab", "keytruda": "pembrolizumab",
    "opdivo": "nivolumab", "tecentriq": "atezolizumab", "yervoy": "ipilimumab",
    "ocrevus": "ocrelizumab", "tysabri": "natalizumab", "entyvio": "vedolizumab",
    "orencia": "abatacept", "actemra": "tocilizumab", "benlysta": "belimumab",
    "simponi": "golimumab", "stelara": "ustekinumab", "soliris": "eculizumab",
    "xolair": "omalizumab", "fasenra": "benralizumab", "nucala": "mepolizumab",
    "prolia": "denosumab", "xgeva": "denosumab", "nplate": "romiplostim",
    # chemotherapy
    "taxol": "paclitaxel", "paraplatin": "carboplatin", "platinol": "cisplatin",
    "adrucil": "fluorouracil", "camptosar": "irinotecan", "eloxatin": "oxaliplatin",
    "gemzar": "gemcitabine", "adriamycin": "doxorubicin", "oncovin": "vincristine",
    "taxotere": "docetaxel", "alimta": "pemetrexed", "velcade": "bortezomib",
    "treanda": "bendamustine", "bendeka": "bendamustine", "faslodex": "fulvestrant",
    "lupron": "leuprolide", "eligard": "leuprolide",
    # supportive care
    "neulasta": "pegfilgrastim", "neupogen": "filgrastim", "aranesp": "darbepoetin",
    "epogen": "epoetin", "procrit": "epoetin", "retacrit": "epoetin",
    "injectafer": "ferric", "venofer": "iron", "ferrlecit": "ferric", "zometa": "zoledronic",
    "reclast": "zoledronic", "aredia": "pamidronate", "kytril": "granisetron",
    "aloxi": "palonosetron", "emend": "fosaprepitant", "zofran": "ondansetron",
    "decadron": "dexamethasone", "benadryl": "diphenhydramine", "phenergan": "promethazine",
    "compazine": "prochlorperazine", "toradol": "ketorolac", "dilaudid": "hydromorphone",
    "demerol": "meperidine", "versed": "midazolam", "ativan": "lorazepam",
    "pepcid": "famotidine", "ofirmev": "acetaminophen", "tylenol": "acetaminophen",
    "medrol": "methylprednisolone", "kenalog": "triamcinolone",
    # anti-infectives
    "rocephin": "ceftriaxone", "ancef": "cefazolin", "vancocin": "vancomycin",
    "zosyn": "piperacillin", "invanz": "ertapenem", "merrem": "meropenem",
    "levaquin": "levofloxacin", "zithromax": "azithromycin",
    # added with the larger drug table (issue 11): biosimilars and brands an ED, an infusion
    # center and an oncology clinic chart; combinations (Unasyn, Zosyn) are left out so a
    # combination never folds into one of its parts
    "ixifi": "infliximab", "ontruzant": "trastuzumab", "herzuma": "trastuzumab",
    "ogivri": "trastuzumab", "trazimera": "trastuzumab", "kanjinti": "trastuzumab",
    "zirabev": "bevacizumab", "alymsys": "bevacizumab", "vegzelma": "bevacizumab",
    "udenyca": "pegfilgrastim", "fulphila": "pegfilgrastim", "ziextenzo": "pegfilgrastim",
    "nyvepria": "pegfilgrastim", "stimufend": "pegfilgrastim", "fylnetra": "pegfilgrastim",
    "zarxio": "filgrastim", "nivestym": "filgrastim", "releuko": "filgrastim",
    "imfinzi": "durvalumab", "darzalex": "daratumumab", "perjeta": "pertuzumab",
    "erbitux": "cetuximab", "vectibix": "panitumumab", "cytoxan": "cyclophosphamide",
    "navelbine": "vinorelbine", "vidaza": "azacitidine", "dacogen": "decitabine",
    "kyprolis": "carfilzomib", "halaven": "eribulin", "zoladex": "goserelin",
    "feraheme": "ferumoxytol", "evenity": "romosozumab", "ultomiris": "ravulizumab",
    "activase": "alteplase", "lasix": "furosemide", "haldol": "haloperidol",
    "keppra": "levetiracetam", "narcan": "naloxone", "reglan": "metoclopramide",
    "vistaril": "hydroxyzine", "lovenox": "enoxaparin", "cipro": "ciprofloxacin",
    "diflucan": "fluconazole", "zyvox": "linezolid", "cubicin": "daptomycin",
    "maxipime": "cefepime", "cordarone": "amiodarone", "nexterone": "amiodarone",
    "caldolor": "ibuprofen", "robinul": "glycopyrrolate", "diprivan": "propofol",
}
