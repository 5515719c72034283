#include "voice/goertzel.h"

#include <cmath>
#include <numbers>

namespace talky {

double GoertzelPower(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz) {
  const double coefficient = 2 * std::cos(2 * std::numbers::pi * frequency_hz / sample_rate);
  double previous = 0;
  double before_previous = 0;
  for (std::int16_t sample : samples) {
    const double current = sample + coefficient * previous - before_previous;
    before_previous = previous;
    previous = current;
  }
  return previous * previous + before_previous * before_previous -
         coefficient * previous * before_previous;
}

}  // namespace talky
