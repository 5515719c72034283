#!/usr/bin/env python3
"""Builds src/scheduling/data/nanp_area_codes.cpp (area code -> region, state, zones).

Input: the output of nanp_probe.cpp (libphonenumber + libgeocoding, Debian 8.12.57), one line per
area code libphonenumber knows as valid: NPA|REGION|VALID|description=count|...
Zones: ZONES_BY_SUBDIVISION below is the zone of each state/province; SPLIT_AREA_CODES lists the
area codes that libphonenumber's resources/timezones/map_data.txt (google/libphonenumber, commit
99d693086664bee33a9206cddfb0271402263c34) maps to more than one zone, plus the overlays of those
codes added after that file was generated; CORRECTIONS fixes zones that map_data.txt gets wrong.
Usage: g++ nanp_probe.cpp -lgeocoding -lphonenumber -licuuc -licui18n -o probe && ./probe > p.txt
       python3 generate_nanp_area_codes.py p.txt > ../nanp_area_codes.cpp
"""
import collections, re, sys

NAMES = {
    'Alabama': 'AL', 'Alaska': 'AK', 'Arizona': 'AZ', 'Arkansas': 'AR', 'California': 'CA',
    'Colorado': 'CO', 'Connecticut': 'CT', 'Delaware': 'DE', 'Washington D.C.': 'DC',
    'Florida': 'FL', 'Georgia': 'GA', 'Hawaii': 'HI', 'Idaho': 'ID', 'Illinois': 'IL',
    'Indiana': 'IN', 'Iowa': 'IA', 'Kansas': 'KS', 'Kentucky': 'KY', 'Louisiana': 'LA',
    'Maine': 'ME', 'Maryland': 'MD', 'Massachusetts': 'MA', 'Michigan': 'MI', 'Minnesota': 'MN',
    'Mississippi': 'MS', 'Missouri': 'MO', 'Montana': 'MT', 'Nebraska': 'NE', 'Nevada': 'NV',
    'New Hampshire': 'NH', 'New Jersey': 'NJ', 'New Mexico': 'NM', 'New York': 'NY',
    'North Carolina': 'NC', 'North Dakota': 'ND', 'Ohio': 'OH', 'Oklahoma': 'OK', 'Oregon': 'OR',
    'Pennsylvania': 'PA', 'Philadelphia': 'PA', 'Rhode Island': 'RI', 'South Carolina': 'SC',
    'South Dakota': 'SD', 'Tennessee': 'TN', 'Texas': 'TX', 'Utah': 'UT', 'Vermont': 'VT',
    'Virginia': 'VA', 'Washington State': 'WA', 'West Virginia': 'WV', 'Wisconsin': 'WI',
    'Wyoming': 'WY', 'Alberta': 'AB', 'British Columbia': 'BC', 'Manitoba': 'MB',
    'New Brunswick': 'NB', 'Newfoundland and Labrador': 'NL', 'Ontario': 'ON', 'Quebec': 'QC',
    'Saskatchewan': 'SK', 'Nova Scotia/Prince Edward Island': 'NS',
    'Northwest Territories/Nunavut/Yukon': 'NT',
}

NY, CHI, DEN, LA = 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'
ZONES_BY_SUBDIVISION = {
    'AL': [CHI], 'AK': ['America/Anchorage'], 'AZ': ['America/Phoenix'], 'AR': [CHI],
    'CA': [LA], 'CO': [DEN], 'CT': [NY], 'DE': [NY], 'DC': [NY], 'FL': [NY], 'GA': [NY],
    'HI': ['Pacific/Honolulu'], 'ID': [DEN], 'IL': [CHI], 'IN': [NY], 'IA': [CHI], 'KS': [CHI],
    'KY': [NY], 'LA': [CHI], 'ME': [NY], 'MD': [NY], 'MA': [NY], 'MI': [NY], 'MN': [CHI],
    'MS': [CHI], 'MO': [CHI], 'MT': [DEN], 'NE': [CHI], 'NV': [LA], 'NH': [NY], 'NJ': [NY],
    'NM': [DEN], 'NY': [NY], 'NC': [NY], 'ND': [CHI], 'OH': [NY], 'OK': [CHI], 'OR': [LA],
    'PA': [NY], 'RI': [NY], 'SC': [NY], 'SD': [CHI], 'TN': [CHI], 'TX': [CHI], 'UT': [DEN],
    'VT': [NY], 'VA': [NY], 'WA': [LA], 'WV': [NY], 'WI': [CHI], 'WY': [DEN],
    'AB': ['America/Edmonton'], 'BC': ['America/Vancouver'], 'MB': ['America/Winnipeg'],
    'NB': ['America/Moncton'], 'NL': ['America/St_Johns'], 'NS': ['America/Halifax'],
    'ON': ['America/Toronto'], 'QC': ['America/Toronto'],
    'SK': ['America/Regina', 'America/Edmonton'],  # see CORRECTIONS
    'NT': ['America/Whitehorse', 'America/Edmonton', 'America/Winnipeg', 'America/Toronto'],
}

# Area codes whose prefixes map_data.txt spreads over several zones (and their later overlays).
SPLIT_AREA_CODES = {
    208: [DEN, LA], 986: [DEN, LA],                        # Idaho (986 overlays 208)
    219: [CHI, NY], 574: [NY, CHI], 812: [NY, CHI], 930: [NY, CHI],  # Indiana (930 overlays 812)
    250: ['America/Vancouver', 'America/Edmonton'],         # British Columbia (236, 672, 778
    236: ['America/Vancouver', 'America/Edmonton'],         # overlay 250 and 604 province-wide)
    672: ['America/Vancouver', 'America/Edmonton'],
    778: ['America/Vancouver', 'America/Edmonton'],
    270: [CHI, NY], 364: [CHI, NY], 606: [NY, CHI],         # Kentucky (364 overlays 270)
    308: [CHI, DEN], 402: [CHI, DEN], 531: [CHI, DEN],      # Nebraska (531 overlays 402)
    423: [NY, CHI],                                         # Tennessee
    541: [LA, DEN], 458: [LA, DEN],                         # Oregon (458 overlays 541)
    605: [CHI, DEN],                                        # South Dakota
    620: [CHI, DEN], 785: [CHI, DEN],                       # Kansas
    701: [CHI, DEN],                                        # North Dakota
    709: ['America/St_Johns', 'America/Halifax'],           # Newfoundland and Labrador
    879: ['America/St_Johns', 'America/Halifax'],           # (879 overlays 709)
    807: ['America/Winnipeg', 'America/Toronto'],           # north-western Ontario
    850: [CHI, NY], 448: [CHI, NY],                         # Florida panhandle (448 overlays 850)
    906: [NY, CHI],                                         # Michigan's Upper Peninsula
    915: [DEN],                                             # El Paso, Texas: Mountain time
}

# Where map_data.txt (2015 statistics) is wrong for the conservative check, the tz database wins.
CORRECTIONS = {
    # Arizona keeps standard time all year (map_data.txt says America/Denver); the Navajo Nation
    # in 928 observes daylight saving time, so 928 is both.
    480: ['America/Phoenix'], 520: ['America/Phoenix'], 602: ['America/Phoenix'],
    623: ['America/Phoenix'], 928: ['America/Phoenix', DEN],
    # Alaska: America/Anchorage, plus the Aleutian Islands west of 169.5 W (America/Adak).
    907: ['America/Anchorage', 'America/Adak'],
    # Nevada: West Wendover keeps Mountain time (tz database, northamerica file).
    775: [LA, DEN],
}

ZONES_BY_REGION = {  # territories and other NANP countries: one zone each (map_data.txt)
    'PR': ['America/Puerto_Rico'], 'VI': ['America/St_Thomas'], 'GU': ['Pacific/Guam'],
    'MP': ['Pacific/Saipan'], 'AS': ['Pacific/Pago_Pago'], 'BS': ['America/Nassau'],
    'BB': ['America/Barbados'], 'AI': ['America/Anguilla'], 'AG': ['America/Antigua'],
    'VG': ['America/Tortola'], 'KY': ['America/Cayman'], 'BM': ['Atlantic/Bermuda'],
    'GD': ['America/Grenada'], 'TC': ['America/Grand_Turk'], 'JM': ['America/Jamaica'],
    'MS': ['America/Montserrat'], 'SX': ['America/Lower_Princes'], 'LC': ['America/St_Lucia'],
    'DM': ['America/Dominica'], 'VC': ['America/St_Vincent'], 'TT': ['America/Port_of_Spain'],
    'KN': ['America/St_Kitts'],
    'DO': ['America/Santo_Domingo'],  # map_data.txt says America/Halifax, which keeps DST
}

rows = []
for line in open(sys.argv[1]):
    fields = line.rstrip('\n').split('|')
    npa, region = int(fields[0]), fields[1]
    counts = collections.Counter()
    for item in fields[3:]:
        description, count = item.rsplit('=', 1)
        match = re.search(r', ([A-Z]{2})$', description)
        code = match.group(1) if match else NAMES.get(description)
        if code: counts[code] += int(count)
    if region in ('US', 'CA'):
        if not counts: continue  # non-geographic (toll free, 5XX personal, 600): not in the table
        subdivision = counts.most_common(1)[0][0]
        if subdivision in ('YT', 'NU'): subdivision = 'NT'
        if subdivision == 'PE': subdivision = 'NS'
        zones = CORRECTIONS.get(npa) or SPLIT_AREA_CODES.get(npa) or ZONES_BY_SUBDIVISION[subdivision]
    else:
        subdivision = ''
        zones = ZONES_BY_REGION[region]
    rows.append(f'{npa},{region},{subdivision},{" ".join(zones)}')

print('\n'.join(rows))
