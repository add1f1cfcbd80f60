"""Checks that a screenshot is a rendered page for test/rapport.sh: a valid
PNG (signature, IHDR, chunk CRCs), decoded (zlib and the five row filters)
to count its colours; fails on a missing, tiny, blank or single-colour
image.  Only the standard library.  Usage: python3 verifier_png.py rapport.png"""
import os
import struct
import sys
import zlib


def lire(chemin):
    with open(chemin, "rb") as f:
        donnees = f.read()
    if donnees[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, entete = 8, b"", None
    while pos < len(donnees):
        longueur, genre = struct.unpack(">I4s", donnees[pos:pos + 8])
        corps = donnees[pos + 8:pos + 8 + longueur]
        crc, = struct.unpack(">I", donnees[pos + 8 + longueur:pos + 12 + longueur])
        if zlib.crc32(genre + corps) != crc:
            raise ValueError(f"bad CRC in chunk {genre!r}")
        if genre == b"IHDR":
            entete = struct.unpack(">IIBBBBB", corps)
        elif genre == b"IDAT":
            idat += corps
        pos += 12 + longueur
    largeur, hauteur, profondeur, couleur, _, _, entrelace = entete
    if profondeur != 8 or couleur not in (2, 6) or entrelace:
        raise ValueError(f"unexpected PNG format (depth {profondeur}, colour type {couleur}, interlace {entrelace})")
    return largeur, hauteur, 3 if couleur == 2 else 4, zlib.decompress(idat)


def pixels(largeur, hauteur, octets, brut):
    """Undo the PNG row filters; yield each row's bytes."""
    pas, precedente, pos = largeur * octets, bytearray(largeur * octets), 0
    for _ in range(hauteur):
        filtre, ligne = brut[pos], bytearray(brut[pos + 1:pos + 1 + pas])
        pos += 1 + pas
        for i in range(pas):
            a = ligne[i - octets] if i >= octets else 0
            b = precedente[i]
            c = precedente[i - octets] if i >= octets else 0
            if filtre == 1:
                ligne[i] = (ligne[i] + a) & 255
            elif filtre == 2:
                ligne[i] = (ligne[i] + b) & 255
            elif filtre == 3:
                ligne[i] = (ligne[i] + (a + b) // 2) & 255
            elif filtre == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                ligne[i] = (ligne[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield ligne
        precedente = ligne


def main(chemin):
    if not os.path.exists(chemin):
        print(f"FAIL: no screenshot {chemin}")
        sys.exit(1)
    largeur, hauteur, octets, brut = lire(chemin)
    couleurs, fond, autres = set(), None, 0
    for y, ligne in enumerate(pixels(largeur, hauteur, octets, brut)):
        for x in range(0, len(ligne), octets * 2):   # every other pixel is plenty
            px = bytes(ligne[x:x + 3])
            couleurs.add(px)
            fond = fond or px
            autres += px != fond
    echantillon = (largeur // 2) * hauteur
    print(f"{chemin}: {largeur}x{hauteur}, {os.path.getsize(chemin)} bytes, {len(couleurs)} colours, "
          f"{100 * autres / echantillon:.1f} % of the pixels not the background")
    if largeur < 800 or hauteur < 600 or len(couleurs) < 16 or autres < echantillon / 200:
        print("FAIL: the screenshot is blank or nearly so")
        sys.exit(1)
    print("ok: the screenshot shows a rendered page")


if __name__ == "__main__":
    main(sys.argv[1])
