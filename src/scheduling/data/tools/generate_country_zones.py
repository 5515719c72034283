#!/usr/bin/env python3
"""Builds src/scheduling/data/country_zones.cpp (ISO 3166 country -> tz zones) from the tz
database's zone.tab. Usage: python3 generate_country_zones.py /usr/share/zoneinfo/zone.tab"""
import collections, sys
zones = collections.defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith('#') or not line.strip(): continue
    fields = line.rstrip('\n').split('\t')
    zones[fields[0]].append(fields[2])
print('\n'.join(f'{country},{" ".join(zones[country])}' for country in sorted(zones)))
