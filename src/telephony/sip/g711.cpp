#include "telephony/sip/g711.h"

#include <algorithm>

#include "telephony/sip/libre.h"  // last: it undoes libre's macros

namespace talky {
namespace {

// librem negates the sample in int16_t: -32768 stays negative, which mu-law encodes as silence
// and A-law turns into a negative table index.
inline std::int16_t Encodable(std::int16_t sample) {
  return sample == INT16_MIN ? static_cast<std::int16_t>(-32767) : sample;
}

}  // namespace

std::optional<G711Law> G711LawOfPayloadType(int payload_type) {
  if (payload_type == kPcmuPayloadType) return G711Law::kMuLaw;
  if (payload_type == kPcmaPayloadType) return G711Law::kALaw;
  return std::nullopt;
}

int PayloadTypeOf(G711Law law) {
  return law == G711Law::kMuLaw ? kPcmuPayloadType : kPcmaPayloadType;
}

std::string_view ToString(G711Law law) { return law == G711Law::kMuLaw ? "PCMU" : "PCMA"; }

std::uint8_t G711SilenceByte(G711Law law) { return law == G711Law::kMuLaw ? 0xFF : 0xD5; }

std::size_t G711Encode(G711Law law, std::span<const std::int16_t> pcm,
                       std::span<std::uint8_t> out) {
  const std::size_t count = std::min(pcm.size(), out.size());
  if (law == G711Law::kMuLaw) {
    for (std::size_t i = 0; i < count; ++i) out[i] = g711_pcm2ulaw(Encodable(pcm[i]));
  } else {
    for (std::size_t i = 0; i < count; ++i) out[i] = g711_pcm2alaw(Encodable(pcm[i]));
  }
  return count;
}

std::size_t G711Decode(G711Law law, std::span<const std::uint8_t> encoded,
                       std::span<std::int16_t> out) {
  const std::size_t count = std::min(encoded.size(), out.size());
  if (law == G711Law::kMuLaw) {
    for (std::size_t i = 0; i < count; ++i) out[i] = g711_ulaw2pcm(encoded[i]);
  } else {
    for (std::size_t i = 0; i < count; ++i) out[i] = g711_alaw2pcm(encoded[i]);
  }
  return count;
}

std::vector<std::uint8_t> G711Encode(G711Law law, std::span<const std::int16_t> pcm) {
  std::vector<std::uint8_t> encoded(pcm.size());
  G711Encode(law, pcm, std::span<std::uint8_t>(encoded));
  return encoded;
}

Samples G711Decode(G711Law law, std::span<const std::uint8_t> encoded) {
  Samples pcm(encoded.size());
  G711Decode(law, encoded, std::span<std::int16_t>(pcm));
  return pcm;
}

}  // namespace talky
