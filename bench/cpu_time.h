// CPU time used so far (user + system), for the benchmarks' per-call and per-job CPU figures.
#pragma once

namespace talky {

double ProcessCpuSeconds();  // every thread of this process
double ThreadCpuSeconds();   // the calling thread only

}  // namespace talky
