// NANP area codes: area code -> libphonenumber region, state or province, and every tz zone the
// area code covers. One row per area code: "NPA,REGION,SUBDIVISION,ZONE ZONE ...".
//
// Sources (see README.md beside this file, and tools/ for the generator):
// - The area codes and their regions: the valid area codes of libphonenumber 8.12.57 (Debian
//   libphonenumber8 8.12.57+ds-3), as PhoneNumberUtil::IsValidNumber accepts them.
// - States and provinces: libphonenumber 8.12.57's geocoding data (resources/geocoding/en/1.txt,
//   read through PhoneNumberOfflineGeocoder); "NT" stands for Yukon/NWT/Nunavut (area code 867),
//   "NS" for Nova Scotia/Prince Edward Island (902, 782).
// - Zones: libphonenumber's resources/timezones/map_data.txt (github.com/google/libphonenumber,
//   commit 99d693086664bee33a9206cddfb0271402263c34): the zone of the state, or every zone
//   map_data.txt gives the area code's prefixes where they differ; overlays added later take the
//   zones of the code they overlay. Corrections where map_data.txt is wrong for a conservative
//   check: Arizona -> America/Phoenix (928 also America/Denver: the Navajo Nation keeps DST);
//   907 adds America/Adak; 775 adds America/Denver (West Wendover); Saskatchewan ->
//   America/Regina + America/Edmonton (Lloydminster); Yukon -> America/Whitehorse; the Dominican
//   Republic -> America/Santo_Domingo.
// To change a row, edit it here (and the generator, so a regeneration keeps the change).
#include "scheduling/data/embedded_tables.h"

namespace talky::data {

extern const char kNanpAreaCodesCsv[] = R"(
201,US,NJ,America/New_York
202,US,DC,America/New_York
203,US,CT,America/New_York
204,CA,MB,America/Winnipeg
205,US,AL,America/Chicago
206,US,WA,America/Los_Angeles
207,US,ME,America/New_York
208,US,ID,America/Denver America/Los_Angeles
209,US,CA,America/Los_Angeles
210,US,TX,America/Chicago
212,US,NY,America/New_York
213,US,CA,America/Los_Angeles
214,US,TX,America/Chicago
215,US,PA,America/New_York
216,US,OH,America/New_York
217,US,IL,America/Chicago
218,US,MN,America/Chicago
219,US,IN,America/Chicago America/New_York
220,US,OH,America/New_York
223,US,PA,America/New_York
224,US,IL,America/Chicago
225,US,LA,America/Chicago
226,CA,ON,America/Toronto
228,US,MS,America/Chicago
229,US,GA,America/New_York
231,US,MI,America/New_York
234,US,OH,America/New_York
236,CA,BC,America/Vancouver America/Edmonton
239,US,FL,America/New_York
240,US,MD,America/New_York
242,BS,,America/Nassau
246,BB,,America/Barbados
248,US,MI,America/New_York
249,CA,ON,America/Toronto
250,CA,BC,America/Vancouver America/Edmonton
251,US,AL,America/Chicago
252,US,NC,America/New_York
253,US,WA,America/Los_Angeles
254,US,TX,America/Chicago
256,US,AL,America/Chicago
260,US,IN,America/New_York
262,US,WI,America/Chicago
263,CA,QC,America/Toronto
264,AI,,America/Anguilla
267,US,PA,America/New_York
268,AG,,America/Antigua
269,US,MI,America/New_York
270,US,KY,America/Chicago America/New_York
272,US,PA,America/New_York
276,US,VA,America/New_York
279,US,CA,America/Los_Angeles
281,US,TX,America/Chicago
283,US,OH,America/New_York
284,VG,,America/Tortola
289,CA,ON,America/Toronto
301,US,MD,America/New_York
302,US,DE,America/New_York
303,US,CO,America/Denver
304,US,WV,America/New_York
305,US,FL,America/New_York
306,CA,SK,America/Regina America/Edmonton
307,US,WY,America/Denver
308,US,NE,America/Chicago America/Denver
309,US,IL,America/Chicago
310,US,CA,America/Los_Angeles
312,US,IL,America/Chicago
313,US,MI,America/New_York
314,US,MO,America/Chicago
315,US,NY,America/New_York
316,US,KS,America/Chicago
317,US,IN,America/New_York
318,US,LA,America/Chicago
319,US,IA,America/Chicago
320,US,MN,America/Chicago
321,US,FL,America/New_York
323,US,CA,America/Los_Angeles
325,US,TX,America/Chicago
326,US,OH,America/New_York
330,US,OH,America/New_York
331,US,IL,America/Chicago
332,US,NY,America/New_York
334,US,AL,America/Chicago
336,US,NC,America/New_York
337,US,LA,America/Chicago
339,US,MA,America/New_York
340,VI,,America/St_Thomas
341,US,CA,America/Los_Angeles
343,CA,ON,America/Toronto
345,KY,,America/Cayman
346,US,TX,America/Chicago
347,US,NY,America/New_York
351,US,MA,America/New_York
352,US,FL,America/New_York
360,US,WA,America/Los_Angeles
361,US,TX,America/Chicago
364,US,KY,America/Chicago America/New_York
365,CA,ON,America/Toronto
367,CA,QC,America/Toronto
368,CA,AB,America/Edmonton
380,US,OH,America/New_York
385,US,UT,America/Denver
386,US,FL,America/New_York
401,US,RI,America/New_York
402,US,NE,America/Chicago America/Denver
403,CA,AB,America/Edmonton
404,US,GA,America/New_York
405,US,OK,America/Chicago
406,US,MT,America/Denver
407,US,FL,America/New_York
408,US,CA,America/Los_Angeles
409,US,TX,America/Chicago
410,US,MD,America/New_York
412,US,PA,America/New_York
413,US,MA,America/New_York
414,US,WI,America/Chicago
415,US,CA,America/Los_Angeles
416,CA,ON,America/Toronto
417,US,MO,America/Chicago
418,CA,QC,America/Toronto
419,US,OH,America/New_York
423,US,TN,America/New_York America/Chicago
424,US,CA,America/Los_Angeles
425,US,WA,America/Los_Angeles
430,US,TX,America/Chicago
431,CA,MB,America/Winnipeg
432,US,TX,America/Chicago
434,US,VA,America/New_York
435,US,UT,America/Denver
437,CA,ON,America/Toronto
438,CA,QC,America/Toronto
440,US,OH,America/New_York
441,BM,,Atlantic/Bermuda
442,US,CA,America/Los_Angeles
443,US,MD,America/New_York
445,US,PA,America/New_York
447,US,IL,America/Chicago
448,US,FL,America/Chicago America/New_York
450,CA,QC,America/Toronto
458,US,OR,America/Los_Angeles America/Denver
463,US,IN,America/New_York
464,US,IL,America/Chicago
468,CA,QC,America/Toronto
469,US,TX,America/Chicago
470,US,GA,America/New_York
473,GD,,America/Grenada
474,CA,SK,America/Regina America/Edmonton
475,US,CT,America/New_York
478,US,GA,America/New_York
479,US,AR,America/Chicago
480,US,AZ,America/Phoenix
484,US,PA,America/New_York
501,US,AR,America/Chicago
502,US,KY,America/New_York
503,US,OR,America/Los_Angeles
504,US,LA,America/Chicago
505,US,NM,America/Denver
506,CA,NB,America/Moncton
507,US,MN,America/Chicago
508,US,MA,America/New_York
509,US,WA,America/Los_Angeles
510,US,CA,America/Los_Angeles
512,US,TX,America/Chicago
513,US,OH,America/New_York
514,CA,QC,America/Toronto
515,US,IA,America/Chicago
516,US,NY,America/New_York
517,US,MI,America/New_York
518,US,NY,America/New_York
519,CA,ON,America/Toronto
520,US,AZ,America/Phoenix
530,US,CA,America/Los_Angeles
531,US,NE,America/Chicago America/Denver
534,US,WI,America/Chicago
539,US,OK,America/Chicago
540,US,VA,America/New_York
541,US,OR,America/Los_Angeles America/Denver
548,CA,ON,America/Toronto
551,US,NJ,America/New_York
559,US,CA,America/Los_Angeles
561,US,FL,America/New_York
562,US,CA,America/Los_Angeles
563,US,IA,America/Chicago
564,US,WA,America/Los_Angeles
567,US,OH,America/New_York
570,US,PA,America/New_York
571,US,VA,America/New_York
572,US,OK,America/Chicago
573,US,MO,America/Chicago
574,US,IN,America/New_York America/Chicago
575,US,NM,America/Denver
579,CA,QC,America/Toronto
580,US,OK,America/Chicago
581,CA,QC,America/Toronto
582,US,PA,America/New_York
584,CA,MB,America/Winnipeg
585,US,NY,America/New_York
586,US,MI,America/New_York
587,CA,AB,America/Edmonton
601,US,MS,America/Chicago
602,US,AZ,America/Phoenix
603,US,NH,America/New_York
604,CA,BC,America/Vancouver
605,US,SD,America/Chicago America/Denver
606,US,KY,America/New_York America/Chicago
607,US,NY,America/New_York
608,US,WI,America/Chicago
609,US,NJ,America/New_York
610,US,PA,America/New_York
612,US,MN,America/Chicago
613,CA,ON,America/Toronto
614,US,OH,America/New_York
615,US,TN,America/Chicago
616,US,MI,America/New_York
617,US,MA,America/New_York
618,US,IL,America/Chicago
619,US,CA,America/Los_Angeles
620,US,KS,America/Chicago America/Denver
623,US,AZ,America/Phoenix
626,US,CA,America/Los_Angeles
628,US,CA,America/Los_Angeles
629,US,TN,America/Chicago
630,US,IL,America/Chicago
631,US,NY,America/New_York
636,US,MO,America/Chicago
639,CA,SK,America/Regina America/Edmonton
640,US,NJ,America/New_York
641,US,IA,America/Chicago
646,US,NY,America/New_York
647,CA,ON,America/Toronto
649,TC,,America/Grand_Turk
650,US,CA,America/Los_Angeles
651,US,MN,America/Chicago
656,US,FL,America/New_York
657,US,CA,America/Los_Angeles
658,JM,,America/Jamaica
659,US,AL,America/Chicago
660,US,MO,America/Chicago
661,US,CA,America/Los_Angeles
662,US,MS,America/Chicago
664,MS,,America/Montserrat
667,US,MD,America/New_York
669,US,CA,America/Los_Angeles
670,MP,,Pacific/Saipan
671,GU,,Pacific/Guam
672,CA,BC,America/Vancouver America/Edmonton
678,US,GA,America/New_York
680,US,NY,America/New_York
681,US,WV,America/New_York
682,US,TX,America/Chicago
684,AS,,Pacific/Pago_Pago
689,US,FL,America/New_York
701,US,ND,America/Chicago America/Denver
702,US,NV,America/Los_Angeles
703,US,VA,America/New_York
704,US,NC,America/New_York
705,CA,ON,America/Toronto
706,US,GA,America/New_York
707,US,CA,America/Los_Angeles
708,US,IL,America/Chicago
709,CA,NL,America/St_Johns America/Halifax
712,US,IA,America/Chicago
713,US,TX,America/Chicago
714,US,CA,America/Los_Angeles
715,US,WI,America/Chicago
716,US,NY,America/New_York
717,US,PA,America/New_York
718,US,NY,America/New_York
719,US,CO,America/Denver
720,US,CO,America/Denver
721,SX,,America/Lower_Princes
724,US,PA,America/New_York
725,US,NV,America/Los_Angeles
726,US,TX,America/Chicago
727,US,FL,America/New_York
731,US,TN,America/Chicago
732,US,NJ,America/New_York
734,US,MI,America/New_York
737,US,TX,America/Chicago
740,US,OH,America/New_York
742,CA,ON,America/Toronto
743,US,NC,America/New_York
747,US,CA,America/Los_Angeles
753,CA,ON,America/Toronto
754,US,FL,America/New_York
757,US,VA,America/New_York
758,LC,,America/St_Lucia
760,US,CA,America/Los_Angeles
762,US,GA,America/New_York
763,US,MN,America/Chicago
765,US,IN,America/New_York
767,DM,,America/Dominica
769,US,MS,America/Chicago
770,US,GA,America/New_York
771,US,DC,America/New_York
772,US,FL,America/New_York
773,US,IL,America/Chicago
774,US,MA,America/New_York
775,US,NV,America/Los_Angeles America/Denver
778,CA,BC,America/Vancouver America/Edmonton
779,US,IL,America/Chicago
780,CA,AB,America/Edmonton
781,US,MA,America/New_York
782,CA,NS,America/Halifax
784,VC,,America/St_Vincent
785,US,KS,America/Chicago America/Denver
786,US,FL,America/New_York
787,PR,,America/Puerto_Rico
801,US,UT,America/Denver
802,US,VT,America/New_York
803,US,SC,America/New_York
804,US,VA,America/New_York
805,US,CA,America/Los_Angeles
806,US,TX,America/Chicago
807,CA,ON,America/Winnipeg America/Toronto
808,US,HI,Pacific/Honolulu
809,DO,,America/Santo_Domingo
810,US,MI,America/New_York
812,US,IN,America/New_York America/Chicago
813,US,FL,America/New_York
814,US,PA,America/New_York
815,US,IL,America/Chicago
816,US,MO,America/Chicago
817,US,TX,America/Chicago
818,US,CA,America/Los_Angeles
819,CA,QC,America/Toronto
820,US,CA,America/Los_Angeles
825,CA,AB,America/Edmonton
826,US,VA,America/New_York
828,US,NC,America/New_York
829,DO,,America/Santo_Domingo
830,US,TX,America/Chicago
831,US,CA,America/Los_Angeles
832,US,TX,America/Chicago
838,US,NY,America/New_York
839,US,SC,America/New_York
840,US,CA,America/Los_Angeles
843,US,SC,America/New_York
845,US,NY,America/New_York
847,US,IL,America/Chicago
848,US,NJ,America/New_York
849,DO,,America/Santo_Domingo
850,US,FL,America/Chicago America/New_York
854,US,SC,America/New_York
856,US,NJ,America/New_York
857,US,MA,America/New_York
858,US,CA,America/Los_Angeles
859,US,KY,America/New_York
860,US,CT,America/New_York
862,US,NJ,America/New_York
863,US,FL,America/New_York
864,US,SC,America/New_York
865,US,TN,America/Chicago
867,CA,NT,America/Whitehorse America/Edmonton America/Winnipeg America/Toronto
868,TT,,America/Port_of_Spain
869,KN,,America/St_Kitts
870,US,AR,America/Chicago
872,US,IL,America/Chicago
873,CA,QC,America/Toronto
876,JM,,America/Jamaica
878,US,PA,America/New_York
901,US,TN,America/Chicago
902,CA,NS,America/Halifax
903,US,TX,America/Chicago
904,US,FL,America/New_York
905,CA,ON,America/Toronto
906,US,MI,America/New_York America/Chicago
907,US,AK,America/Anchorage America/Adak
908,US,NJ,America/New_York
909,US,CA,America/Los_Angeles
910,US,NC,America/New_York
912,US,GA,America/New_York
913,US,KS,America/Chicago
914,US,NY,America/New_York
915,US,TX,America/Denver
916,US,CA,America/Los_Angeles
917,US,NY,America/New_York
918,US,OK,America/Chicago
919,US,NC,America/New_York
920,US,WI,America/Chicago
925,US,CA,America/Los_Angeles
928,US,AZ,America/Phoenix America/Denver
929,US,NY,America/New_York
930,US,IN,America/New_York America/Chicago
931,US,TN,America/Chicago
934,US,NY,America/New_York
936,US,TX,America/Chicago
937,US,OH,America/New_York
938,US,AL,America/Chicago
939,PR,,America/Puerto_Rico
940,US,TX,America/Chicago
941,US,FL,America/New_York
943,US,GA,America/New_York
945,US,TX,America/Chicago
947,US,MI,America/New_York
948,US,VA,America/New_York
949,US,CA,America/Los_Angeles
951,US,CA,America/Los_Angeles
952,US,MN,America/Chicago
954,US,FL,America/New_York
956,US,TX,America/Chicago
959,US,CT,America/New_York
970,US,CO,America/Denver
971,US,OR,America/Los_Angeles
972,US,TX,America/Chicago
973,US,NJ,America/New_York
978,US,MA,America/New_York
979,US,TX,America/Chicago
980,US,NC,America/New_York
984,US,NC,America/New_York
985,US,LA,America/Chicago
986,US,ID,America/Denver America/Los_Angeles
989,US,MI,America/New_York
)";

}  // namespace talky::data
