#include "voice/resampler.h"

#include <speex/speex_resampler.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace talky {
namespace {

// speexdsp's "desktop" quality: VOICE.md measured about 2 ms of CPU per second of audio.
constexpr int kQuality = 5;

struct SpeexDeleter {
  void operator()(SpeexResamplerState* state) const { speex_resampler_destroy(state); }
};

}  // namespace

struct Resampler::Impl {
  std::unique_ptr<SpeexResamplerState, SpeexDeleter> state;  // null when the rates are equal
  // Counted to give Flush the exact length: the whole stream comes out at input * out / in.
  std::uint64_t consumed = 0;
  std::uint64_t produced = 0;

  // Runs `input` through the filter, appending at most `limit` samples to `output`.
  void Run(std::span<const std::int16_t> input, std::uint64_t limit, Samples& output) {
    while (!input.empty() && limit > 0) {
      std::size_t room = std::min<std::uint64_t>(limit, input.size() * 8 + 64);
      std::size_t start = output.size();
      output.resize(start + room);
      auto in_len = static_cast<spx_uint32_t>(input.size());
      auto out_len = static_cast<spx_uint32_t>(room);
      speex_resampler_process_int(state.get(), 0, input.data(), &in_len, output.data() + start,
                                  &out_len);
      output.resize(start + out_len);
      input = input.subspan(in_len);
      produced += out_len;
      limit -= out_len;
      if (in_len == 0 && out_len == 0) break;
    }
  }
};

Resampler::Resampler(int input_rate, int output_rate)
    : input_rate_(input_rate), output_rate_(output_rate), impl_(std::make_unique<Impl>()) {
  if (input_rate <= 0 || output_rate <= 0) {
    throw std::invalid_argument("resampler rates must be positive, got " +
                                std::to_string(input_rate) + " -> " + std::to_string(output_rate));
  }
  if (input_rate == output_rate) return;
  int error = RESAMPLER_ERR_SUCCESS;
  impl_->state.reset(speex_resampler_init(1, static_cast<spx_uint32_t>(input_rate),
                                          static_cast<spx_uint32_t>(output_rate), kQuality,
                                          &error));
  if (!impl_->state || error != RESAMPLER_ERR_SUCCESS) {
    throw std::runtime_error(std::string("speex_resampler_init: ") +
                             speex_resampler_strerror(error));
  }
  // The output starts with the first input sample rather than with the filter's delay of zeros:
  // a stream keeps its length (Flush returns what is held back).
  speex_resampler_skip_zeros(impl_->state.get());
}

Resampler::~Resampler() = default;

Samples Resampler::Process(std::span<const std::int16_t> input) {
  if (!impl_->state) return Samples(input.begin(), input.end());
  Samples output;
  output.reserve(input.size() * static_cast<std::size_t>(output_rate_) /
                     static_cast<std::size_t>(input_rate_) +
                 16);
  impl_->consumed += input.size();
  impl_->Run(input, UINT64_MAX, output);
  return output;
}

Samples Resampler::Flush() {
  if (!impl_->state) return {};
  const std::uint64_t total = (impl_->consumed * static_cast<std::uint64_t>(output_rate_) +
                               static_cast<std::uint64_t>(input_rate_) / 2) /
                              static_cast<std::uint64_t>(input_rate_);
  Samples output;
  if (total <= impl_->produced) return output;
  // Zeros push the held-back samples out; what they produce beyond the stream's length is dropped.
  const Samples zeros(
      static_cast<std::size_t>(speex_resampler_get_input_latency(impl_->state.get())) * 2 + 16, 0);
  for (int round = 0; round < 4 && impl_->produced < total; ++round) {
    impl_->Run(zeros, total - impl_->produced, output);
  }
  return output;
}

}  // namespace talky
