"""The figures of test/sql/400 recomputed outside the extension.

The primary rule is implemented from DOMAIN §4 alone, in exact fractions:
with n holders of positive share and c = 1/(2n-2), among the holders whose
deficit t·p_i - a_i >= c, the one with the smallest deadline
(a_i + 1 - c) / p_i; ties: the larger share, then the earlier position.
The secondary preferences (not in DOMAIN) are a port of orientation.c's
choix_prefere: xorshift64* draws, up to three preferred eligible holders
tried, each accepted only if the rule run from the resulting state keeps
every holder within 1 - c over the horizon.

    python3 test/calculs/tijdeman.py
        example A, the 40 choices of 60 / 0.5 / 39.5 %, seeds 3 and 7
    psql -At -F' ' -c "SELECT s, array_to_string(parts, ',') FROM ensembles ORDER BY s" | python3 test/calculs/tijdeman.py -
        also the worst deviation per n over 200 steps, rule alone, for the
        share sets of test 400 (in a session where the statements of the test
        built the table ensembles)

Shares are micro-units (1000000 = 1), as simuler_orientations takes them."""
import sys
from fractions import Fraction

UN = 1000000
M64 = (1 << 64) - 1


def borne(n):
    """Tijdeman's bound 1 - 1/(2n-2) in micro-units, rounded down."""
    return (UN * (2 * n - 3)) // (2 * n - 2)


def regle(parts, pas):
    """The rule alone, exact: the holders chosen (1-based) and the worst |t·p - a| per step."""
    p = [Fraction(x, UN) for x in parts]
    n = sum(1 for x in p if x > 0)
    c = Fraction(1, 2 * n - 2) if n >= 2 else Fraction(1)
    a = [0] * len(p)
    choix, pires = [], []
    for t in range(1, pas + 1):
        eligibles = [i for i, x in enumerate(p) if x > 0 and t * x - a[i] >= c]
        j = min(eligibles, key=lambda i: ((a[i] + 1 - c) / p[i], -p[i], i))
        a[j] += 1
        choix.append(j + 1)
        pires.append(max(abs(t * x - a[i]) for i, x in enumerate(p) if x > 0))
    return choix, pires


def avec_preferences(parts, pas, graine):
    """The rule with orientation.c's random preferences, in integers: the holders chosen and the worst deviation per step."""
    n = len(parts)
    actifs = sum(1 for x in parts if x > 0)
    k = 2 * actifs - 2 if actifs >= 2 else 1
    etat = (graine * 0x9E3779B97F4A7C15 + 1) & M64
    a = [0] * n

    def tirage():
        nonlocal etat
        etat ^= etat >> 12
        etat ^= (etat << 25) & M64
        etat ^= etat >> 27
        return (etat * 2685821657736338717) & M64

    def deficit(t, ai, pi):
        return t * pi - ai * UN

    def eligible(t, ai, pi):
        return pi > 0 and k * deficit(t, ai, pi) >= UN

    def avant(t, x, y, aa):
        nx, ny = (k - 1) * UN - k * deficit(t, aa[x], parts[x]), (k - 1) * UN - k * deficit(t, aa[y], parts[y])
        if nx * parts[y] != ny * parts[x]:
            return nx * parts[y] < ny * parts[x]
        return parts[x] > parts[y]

    def urgent(t, aa):
        u = -1
        for i in range(n):
            if eligible(t, aa[i], parts[i]) and (u < 0 or avant(t, i, u, aa)):
                u = i
        return u

    def dans_la_borne(t, aa):
        return all(parts[i] == 0 or k * abs(deficit(t, aa[i], parts[i])) <= (k - 1) * UN for i in range(n))

    p_min = min(x for x in parts if x > 0)
    horizon = min(2000, 2 * ((UN + p_min - 1) // p_min) + 2 * n)
    choix, pires = [], []
    for s in range(1, pas + 1):
        pref = [tirage() % UN for _ in range(n)]
        u = urgent(s, a)
        j = u
        if u >= 0 and actifs >= 2:
            essaye = [False] * n
            for _ in range(3):
                m = -1
                for i in range(n):
                    if (not essaye[i] and i != u and eligible(s, a[i], parts[i]) and pref[i] > pref[u]
                            and (m < 0 or pref[i] > pref[m])):
                        m = i
                if m < 0:
                    break
                essaye[m] = True
                b = a[:]
                b[m] += 1
                sur, t = dans_la_borne(s, b), s
                for _ in range(horizon if sur else 0):
                    t += 1
                    w = urgent(t, b)
                    if w < 0:
                        sur = False
                        break
                    b[w] += 1
                    if not dans_la_borne(t, b):
                        sur = False
                        break
                if sur:
                    j = m
                    break
        a[j] += 1
        choix.append(j + 1)
        pires.append(max(abs(deficit(s, a[i], parts[i])) for i in range(n) if parts[i] > 0))
    return choix, pires


def main():
    print("bounds:", {n: borne(n) for n in range(2, 16)})
    exemple_a = [250000, 50000, 350000, 60000, 40000, 250000]
    _, pires = regle(exemple_a, 5000)
    print("example A, 5,000 steps, rule alone: worst", max(pires) * UN)
    _, pires = avec_preferences(exemple_a, 5000, 7)
    print("example A, 5,000 steps, preferences of seed 7: worst", max(pires))
    sans, _ = regle(exemple_a, 500)
    avec, _ = avec_preferences(exemple_a, 500, 3)
    print("example A, 500 steps: choices changed by the preferences of seed 3:", sum(x != y for x, y in zip(sans, avec)))
    choix, _ = regle([600000, 5000, 395000], 40)
    print("60 / 0.5 / 39.5 %, 40 steps:", "{" + ",".join(map(str, choix)) + "}")
    if sys.argv[1:] == ["-"]:
        pire, atteint = {}, 0
        for ligne in sys.stdin:
            s, parts = ligne.split()
            parts = [int(x) for x in parts.split(",")]
            _, pires = regle(parts, 200)
            m, n = int(max(pires) * UN), len(parts)
            pire[n] = max(pire.get(n, 0), m)
            atteint += m == borne(n)
        print("worst deviation per n over 200 steps, rule alone:", dict(sorted(pire.items())))
        print("sets reaching the bound:", atteint)


if __name__ == "__main__":
    main()
