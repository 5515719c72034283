#!/usr/bin/env python3
"""Writes examples/leads.csv: about 1,000 fictional leads for the three campaigns of
examples/campaign.toml, seeded so the file is the same on every run.

Every number is fictional: US numbers are NXX-555-01XX (reserved for fiction) or, for the
simulated provider's test numbers, NXX-555-0SSS with SSS a test suffix; UK numbers are Ofcom's
drama range 020 7946 0XXX, German ones the Bundesnetzagentur's 030 23125 XXX, French ones ARCEP's
01 99 00 XX XX. Each campaign gets every test number (last three digits 200, 204, 205, 555, 480, 486,
404, 603, 410, 503, 481-484) in each of its area codes or countries, so a run shows every outcome
and the retries; the rest draw from the simulated provider's outcome mix.

Usage: python3 examples/generate_leads.py > examples/leads.csv
"""
import csv
import random
import sys

TEST_SUFFIXES = ["200", "204", "205", "555", "480", "486", "404", "603", "410", "503",
                 "481", "482", "483", "484"]

FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Iris", "Jonas",
         "Kemi", "Luis", "Mia", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara",
         "Uma", "Victor", "Wen", "Xavier", "Yara", "Zane"]
LAST = ["Adler", "Brooks", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova",
        "Jensen", "Kim", "Lopez", "Moreau", "Nakamura", "Okafor", "Patel", "Quist", "Rossi",
        "Schmidt", "Tanaka", "Umar", "Varga", "Weber", "Xu", "Young", "Zimmer"]

# campaign key -> (leads wanted, number families)
# US families: area codes chosen across time zones (some with state calling laws: FL, OK, MD, WA;
# 850 spans two zones, 907 Alaska and the Aleutians, 808 Hawaii, 602 Arizona without DST).
CAMPAIGNS = {
    "solar-winter": (450, ["212", "305", "312", "405", "410", "214", "303", "602", "415", "206",
                           "907", "808", "850"]),
    "dental-recall": (250, ["415", "213", "206", "503", "702", "808"]),
    "motor-renewals": (300, ["uk", "de", "fr"]),
}


def us_number(area, line4):
    return f"+1{area}555{line4}"


def number(family, last3, rng):
    """A fictional number of the family whose last three digits are last3."""
    if family == "uk":
        return f"+442079460{last3}"  # 020 7946 0XXX
    if family == "de":
        return f"+493023125{last3}"  # 030 23125 XXX
    if family == "fr":
        return f"+3319900{rng.randrange(0, 10)}{last3}"  # 01 99 00 XX XX
    return us_number(family, "0" + last3)


def main():
    rng = random.Random(20261121)
    rows = []
    for key, (wanted, families) in CAMPAIGNS.items():
        numbers = []
        for family in families:
            for suffix in TEST_SUFFIXES:
                numbers.append((number(family, suffix, rng), True))
        taken = {n for n, _ in numbers}
        while len(numbers) < wanted:
            family = rng.choice(families)
            if family in ("uk", "de", "fr"):
                last3 = f"{rng.randrange(0, 1000):03d}"
            else:
                last3 = f"1{rng.randrange(0, 100):02d}"  # 555-01XX
            if last3 in TEST_SUFFIXES:
                continue
            candidate = number(family, last3, rng)
            if candidate in taken:
                continue
            taken.add(candidate)
            numbers.append((candidate, False))
        rng.shuffle(numbers)
        for phone, _ in numbers:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            tags = []
            if rng.random() < 0.08:
                tags.append("urgent")
            if rng.random() < 0.05:
                tags.append("appointment")
            rows.append({
                "campaign": key,
                "phone_number": phone,
                "first_name": first,
                "last_name": last,
                "email": f"{first}.{last}@example.com".lower(),
                "priority": rng.choice([3, 4, 5, 5, 5, 6, 7]),
                "is_high_value": "true" if rng.random() < 0.1 else "false",
                "tags": ";".join(tags),
                "plan": rng.choice(["basic", "plus", "premium"]),
            })
    writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


if __name__ == "__main__":
    main()
