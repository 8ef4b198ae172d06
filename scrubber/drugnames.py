"""Brand names of drugs common in infusion clinics, folded to the generic name.

Used only to decide whether an administration line and a drug line name the same drug
(``missing-drug-code``), so one significant word per brand is enough. The reference drug
table of the code-set issue (HCPCS code, unit, kind, synonyms) will supersede this list.
"""

from __future__ import annotations

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
