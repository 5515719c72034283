// Goertzel's algorithm: the power of one frequency in a block of samples, without a whole DFT.
// For a pure tone of amplitude A filling n samples the power is (A n / 2)^2, so
// 2 sqrt(power) / n is the tone's amplitude. Pure; any thread.
#pragma once

#include <cstdint>
#include <span>

namespace talky {

double GoertzelPower(std::span<const std::int16_t> samples, int sample_rate, double frequency_hz);

}  // namespace talky
