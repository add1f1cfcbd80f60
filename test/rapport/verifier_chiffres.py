"""Checks the figures of the yearly report and of one réservataire's export
for test/rapport.sh, against literals for the data of test/rapport/donnees.sql
(a fresh database: ids from 1).  The literals were recounted from the event
tables (orientations, leases, dwellings) by plain SQL applying the rules of
DOMAIN §3.3–3.8 (test/calculs/rapport.sql), not read from the views: the décompte by mode (préfet at
the orientation, agents and the pool at the lease, Action Logement and
Montreuil at the lease or the carence), Montreuil's scope its commune, the
pool's entitlement what the others leave; the forecast of 2027 by hand
(125 dwellings × 5.5 % + 12 − 6 = 12.875; Montreuil 43 of the 125).
Usage: python3 verifier_chiffres.py rapport.html export_al.json"""
import json
import sys
from html.parser import HTMLParser


class Tableaux(HTMLParser):
    """The tables of the report: (section, heading, caption or first header) → rows of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tableaux, self.section, self.titre = {}, "", ""
        self.dans, self.texte, self.lignes, self.ligne, self.legende = None, "", [], None, ""

    def handle_starttag(self, tag, attrs):
        if tag in ("h2", "h3", "caption", "td", "th"):
            self.dans, self.texte = tag, ""
        elif tag == "table":
            self.lignes, self.legende = [], ""
        elif tag == "tr":
            self.ligne = []

    def handle_endtag(self, tag):
        if tag == "h2":
            self.section, self.titre = self.texte.split(".")[0], ""
        elif tag == "h3":
            self.titre = self.texte
        elif tag == "caption":
            self.legende = self.texte
        elif tag in ("td", "th"):
            self.ligne.append(self.texte.strip())
        elif tag == "tr":
            self.lignes.append(self.ligne)
        elif tag == "table":
            cle = (self.section, self.titre, self.legende or self.lignes[0][0])
            self.tableaux[cle] = self.lignes
        if tag == self.dans:
            self.dans = None

    def handle_data(self, data):
        if self.dans:
            self.texte += data


# (section, h3, caption or first header): {row label: [the cells after it]}
RAPPORT = {
    # 1. entitlement and charges: share, flux charged in the scope, right, charged, difference, open, carences
    ("1", "Département 93", "Réservataire"): {
        "Préfet, agents de l'État (agents)": ["5", "94", "4,7", "10", "-5,3", "1", "1"],
        'Action Logement Services "ALS" (al)': ["35", "94", "32,9", "23", "9,9", "3", "2"],
        "Ville de Montreuil (montreuil)": ["10", "27", "2,7", "9", "-6,3", "1", "3"],
        "Préfet, prioritaires (prefet)": ["25", "94", "23,5", "29", "-5,5", "5", "1"],
        # 94 - (4.7 + 32.9 + 2.7 + 23.5) = 30.2, 32.127660 % of 94
        "Contingent propre du bailleur": ["32,12766", "94", "30,2", "23", "7,2", "5", "0"],
    },
    # 2. proposed (oriented in 2026) and attributed (lease in 2026), and some breakdowns
    ("2", "", "Ensemble"): {
        "Préfet, agents de l'État (agents)": ["14", "10"],
        'Action Logement Services "ALS" (al)': ["29", "21"],
        "Ville de Montreuil (montreuil)": ["10", "6"],
        "Préfet, prioritaires (prefet)": ["29", "21"],
        "Contingent propre du bailleur": ["28", "23"],
    },
    ("2", 'Action Logement Services "ALS" (al)', "Typologie"): {
        "T1": ["5", "4"], "T2": ["6", "5"], "T3": ["6", "4"], "T4": ["6", "4"], "T5+": ["6", "4"],
    },
    ("2", "Préfet, prioritaires (prefet)", "Financement"): {
        "HLM_O": ["6", "5"], "PLA": ["5", "3"], "PLAI": ["7", "4"], "PLS": ["6", "4"], "PLUS": ["5", "5"],
    },
    ("2", "Préfet, prioritaires (prefet)", "Localisation"): {"hors QPV": ["18", "13"], "en QPV": ["11", "8"]},
    ("2", "Contingent propre du bailleur", "Commune"): {
        "Bobigny (93008)": ["12", "10"], "Montreuil (93048)": ["5", "4"], "Saint-Denis (93066)": ["11", "9"],
    },
    ("2", "Ville de Montreuil (montreuil)", "Période de construction"): {
        "1949-1974": ["2", "1"], "1975-1989": ["8", "5"],
    },
    # 3. subtractions: forecast 2026, actual 2026 (the R dwellings n ≡ 0 mod 12 up to 108), forecast 2027
    ("3", "", "Département 93"): {
        "Mutations internes": ["5", "9", "4"],
        "Relogements (renouvellement urbain)": ["—", "0", "2"],
        "Relogements (copropriétés dégradées)": ["—", "0", "—"],
        "Relogements (lutte contre l'habitat indigne)": ["—", "0", "—"],
        "Relogements liés aux ventes": ["2", "0", "—"],
    },
    # 4. the forecast of 2027, by hand: rights 5, 35, 25 % of 12.875; Montreuil
    # 10 % of 12.875 × 43 / 125 = 0.44289; the pool the rest, 4.06336 (31.56 %);
    # whole dwellings by largest remainder of 13: 1, 5, 0, 3, 4
    ("4", "Département 93", "Flux prévisionnel 2027"): {
        "125": ["5,5", "6,875", "12", "6", "12,875"],
    },
    ("4", "Département 93", "Droits prévisionnels 2027 par réservataire"): {
        "Préfet, agents de l'État (agents)": ["5", "0,64", "1"],
        'Action Logement Services "ALS" (al)': ["35", "4,51", "5"],
        "Ville de Montreuil (montreuil)": ["10", "0,44", "0"],
        "Préfet, prioritaires (prefet)": ["25", "3,22", "3"],
        "Contingent propre du bailleur": ["31,56", "4,06", "4"],
    },
    # 5. objectives on the leases of 2026: concerned, meeting it, rate, target,
    # shortfall ceil(target × concerned / 100) − meeting
    ("5", "", "Objectif"): {
        "O1 Ensemble du patrimoine": ["61", "11", "18,03", "25", "5"],
        "O1 Est Ensemble (200057875)": ["27", "4", "14,81", "25", "3"],
        "O1 Plaine Commune (200057867)": ["34", "7", "20,59", "25", "2"],
        "O2 Ensemble du patrimoine": ["28", "23", "82,14", "50", "0"],
        "O2 Plaine Commune (200057867)": ["0", "0", "—", "50", "0"],
        'O3 Action Logement Services "ALS" (al)': ["21", "4", "19,05", "25", "2"],
        "O3 Ville de Montreuil (montreuil)": ["6", "6", "100", "25", "0"],
        "O4 Contingent propre du bailleur": ["23", "4", "17,39", "25", "2"],
    },
}

EXPORT = {
    ("atteinte", 0): {"departement": "93", "taux": 35, "flux_realise": 94, "droit": 32.9, "decomptes": 23,
                      "ecart": 9.9, "en_cours": 3, "carences": 2},
    ("objectifs", 0): {"objectif": "O3", "denominateur": 21, "numerateur": 4, "taux": 19.05, "cible": 25, "manque": 2},
    ("flux_previsionnel_suivant", 0): {"departement": "93", "annee": 2027, "taux": 35, "droit": 4.50625, "droit_entier": 5},
}


def verifier(chemin_html, chemin_json):
    erreurs, vus = [], 0
    t = Tableaux()
    with open(chemin_html, encoding="utf-8") as f:
        t.feed(f.read())
    for cle, lignes_attendues in RAPPORT.items():
        lignes = t.tableaux.get(cle)
        if lignes is None:
            erreurs.append(f"no table {cle}")
            continue
        # section 5 rows are labelled by objective and scope
        par_libelle = {(" ".join(l[:2]) if cle[0] == "5" else l[0]): l[2 if cle[0] == "5" else 1:] for l in lignes[1:]}
        for libelle, cellules in lignes_attendues.items():
            vus += len(cellules)
            if par_libelle.get(libelle) != cellules:
                erreurs.append(f"{cle} row {libelle!r}: {par_libelle.get(libelle)}, expected {cellules}")
    with open(chemin_json, encoding="utf-8") as f:
        export = json.load(f)
    if export["reservataire"]["code"] != "al" or export["annee"] != 2026:
        erreurs.append(f"export of {export['reservataire']} for {export['annee']}, expected al for 2026")
    for (liste, i), attendu in EXPORT.items():
        trouve = {k: export[liste][i].get(k) for k in attendu}
        vus += len(attendu)
        if trouve != attendu:
            erreurs.append(f"export {liste}[{i}]: {trouve}, expected {attendu}")
    # the bilan rows of Action Logement add up to its 29 proposed, 21 attributed
    sommes = [sum(b[k] for b in export["bilan"]) for k in ("logements_proposes", "logements_attribues")]
    if sommes != [29, 21]:
        erreurs.append(f"export bilan: {sommes} proposed and attributed, expected [29, 21]")
    if erreurs:
        print(f"FAIL: figures of {chemin_html} / {chemin_json}:")
        for e in erreurs:
            print("  " + e)
        sys.exit(1)
    print(f"ok: {vus + 2} figures of the report and the export as expected")


if __name__ == "__main__":
    verifier(sys.argv[1], sys.argv[2])
