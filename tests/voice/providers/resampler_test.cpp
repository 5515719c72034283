#include "voice/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace talky {
namespace {

Samples Sine(double frequency, int rate, std::size_t count) {
  Samples out(count);
  for (std::size_t i = 0; i < count; ++i) {
    out[i] = static_cast<std::int16_t>(
        10000 * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / rate));
  }
  return out;
}

int ZeroCrossings(const Samples& samples) {
  int crossings = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    if ((samples[i - 1] < 0) != (samples[i] < 0)) ++crossings;
  }
  return crossings;
}

// Streams `input` in 20 ms chunks, as the pipeline does.
Samples Stream(Resampler& resampler, const Samples& input) {
  Samples out;
  const std::size_t chunk = SamplesPerFrame(resampler.input_rate());
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    Samples piece =
        resampler.Process(std::span(input).subspan(at, std::min(chunk, input.size() - at)));
    out.insert(out.end(), piece.begin(), piece.end());
  }
  Samples tail = resampler.Flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

TEST(Resampler, SineKeepsItsFrequencyAndLengthDownAndBackUp) {
  const Samples original = Sine(1000, 16000, 16000);  // one second: 2,000 zero crossings
  Resampler down(16000, 8000);
  Resampler up(8000, 16000);
  const Samples narrow = Stream(down, original);
  const Samples back = Stream(up, narrow);

  EXPECT_NEAR(static_cast<double>(narrow.size()), 8000, 4);
  EXPECT_NEAR(static_cast<double>(back.size()), 16000, 4);
  EXPECT_NEAR(ZeroCrossings(narrow), 2000, 4);
  EXPECT_NEAR(ZeroCrossings(back), 2000, 4);
}

TEST(Resampler, EspeakRateToTelephonyKeepsFrequency) {
  Resampler resampler(22050, 8000);
  const Samples out = Stream(resampler, Sine(1000, 22050, 22050));
  EXPECT_NEAR(static_cast<double>(out.size()), 8000, 4);
  EXPECT_NEAR(ZeroCrossings(out), 2000, 4);
}

TEST(Resampler, EqualRatesPassThrough) {
  Resampler resampler(16000, 16000);
  const Samples in = Sine(440, 16000, 320);
  EXPECT_EQ(resampler.Process(in), in);
  EXPECT_TRUE(resampler.Flush().empty());
}

TEST(Resampler, RejectsRatesThatAreNotPositive) {
  EXPECT_THROW(Resampler(0, 16000), std::invalid_argument);
  EXPECT_THROW(Resampler(16000, -8000), std::invalid_argument);
}

}  // namespace
}  // namespace talky
