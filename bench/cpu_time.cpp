#include "bench/cpu_time.h"

#include <sys/resource.h>

namespace talky {
namespace {

double CpuSecondsOf(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

double ProcessCpuSeconds() { return CpuSecondsOf(RUSAGE_SELF); }
double ThreadCpuSeconds() { return CpuSecondsOf(RUSAGE_THREAD); }

}  // namespace talky
