"""Checks that an HTML document is well formed for test/rapport.sh: a
doctype, every non-void element closed in the right order (inline SVG
included), no stray end tag, one html/head/body, a title, tables, a chart and text.
Usage: python3 verifier_html.py rapport.html"""
import sys
from html.parser import HTMLParser

VIDES = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Verificateur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pile, self.erreurs, self.comptes, self.doctype, self.texte = [], [], {}, False, 0

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag, attrs):
        self.comptes[tag] = self.comptes.get(tag, 0) + 1
        if tag not in VIDES:
            self.pile.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.comptes[tag] = self.comptes.get(tag, 0) + 1

    def handle_endtag(self, tag):
        if tag in VIDES:
            self.erreurs.append(f"end tag of the void element </{tag}> at {self.getpos()}")
        elif not self.pile or self.pile[-1][0] != tag:
            ouvert = self.pile[-1] if self.pile else None
            self.erreurs.append(f"</{tag}> at {self.getpos()} closes {ouvert}")
        else:
            self.pile.pop()

    def handle_data(self, data):
        self.texte += len(data.strip())


def main(chemin):
    with open(chemin, encoding="utf-8") as f:
        contenu = f.read()
    v = Verificateur()
    v.feed(contenu)
    v.close()
    erreurs = list(v.erreurs)
    if not v.doctype:
        erreurs.append("no <!DOCTYPE html>")
    erreurs += [f"<{t}> at {p} never closed" for t, p in v.pile]
    for unique in ("html", "head", "body"):
        if v.comptes.get(unique) != 1:
            erreurs.append(f"{v.comptes.get(unique, 0)} <{unique}> elements, expected 1")
    for attendu in ("title", "table", "svg", "h2"):
        if not v.comptes.get(attendu):
            erreurs.append(f"no <{attendu}>")
    if v.texte < 500:
        erreurs.append(f"only {v.texte} characters of text")
    if erreurs:
        print(f"FAIL: {chemin} is not well-formed HTML:")
        for e in erreurs[:20]:
            print("  " + e)
        sys.exit(1)
    print(f"ok: {chemin}: well-formed HTML, {sum(v.comptes.values())} elements "
          f"({v.comptes.get('table', 0)} tables, {v.comptes.get('svg', 0)} SVG charts)")


if __name__ == "__main__":
    main(sys.argv[1])
