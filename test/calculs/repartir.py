"""The largest-remainder apportionment of test/sql/110 recomputed outside the
extension, in exact fractions (DOMAIN §3.3; ties: the larger remainder, the
larger weight, the earlier position), on the generated cases of the test:

    psql -At -F' ' -c "SELECT total, array_to_string(poids, ',') FROM cas ORDER BY cas" | python3 test/calculs/repartir.py

(in a session where the statements of test 110 built the table cas).  Prints
how many cases show the Alabama paradox: one more dwelling to share, and a
holder gets one fewer."""
import sys
from decimal import Decimal
from fractions import Fraction


def repartir(poids, total):
    if total == 0:
        return [0] * len(poids)
    quotas = [w * total / sum(poids) for w in poids]
    parts = [q.numerator // q.denominator for q in quotas]
    ordre = sorted(range(len(poids)), key=lambda i: (parts[i] - quotas[i], -poids[i], i))
    for i in ordre[:total - sum(parts)]:
        parts[i] += 1
    return parts


cas = alabama = 0
for ligne in sys.stdin:
    total, poids = ligne.split()
    total, poids = int(total), [Fraction(Decimal(w)) for w in poids.split(",")]
    cas += 1
    alabama += any(apres < avant for avant, apres in zip(repartir(poids, total), repartir(poids, total + 1)))
print(f"{cas} cases, the Alabama paradox in {alabama}")
