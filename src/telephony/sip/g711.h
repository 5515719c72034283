// G.711, the codec of SIP trunks: 16-bit PCM at 8 kHz to and from one byte per sample, mu-law
// (PCMU, RTP payload type 0) or A-law (PCMA, payload type 8), RFC 3551. The tables are librem's
// (rem_g711.h); this wrapper keeps librem's C header out of the rest of the engine and fixes its
// one trap: librem's encoders mishandle -32768 (mu-law turns it into silence, A-law reads outside
// its table), so full-scale negative samples are clamped to -32767 first.
//
// Frames are usually 20 ms (kG711FrameSamples samples, one RTP packet), but any length works.
// Pure functions: any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "voice/audio.h"

namespace talky {

enum class G711Law {
  kMuLaw,  // PCMU
  kALaw,   // PCMA
};

inline constexpr int kPcmuPayloadType = 0;
inline constexpr int kPcmaPayloadType = 8;
// 160: one 20 ms frame at 8000 Hz, in samples and in encoded bytes alike.
inline constexpr std::size_t kG711FrameSamples = SamplesPerFrame(kNarrowbandRate);

// The law of RTP payload type 0 or 8; nullopt for any other.
std::optional<G711Law> G711LawOfPayloadType(int payload_type);
int PayloadTypeOf(G711Law law);
std::string_view ToString(G711Law law);  // "PCMU" or "PCMA"

// The byte of digital silence: what 0 encodes to. 0xFF for mu-law, 0xD5 for A-law; librem decodes
// them to +2 and +8 (the middle of the quantisation step next to zero: neither law has an exact
// zero in librem's tables), about -84 and -72 dBFS.
std::uint8_t G711SilenceByte(G711Law law);

// Encodes min(pcm.size(), out.size()) samples into out; returns how many.
std::size_t G711Encode(G711Law law, std::span<const std::int16_t> pcm, std::span<std::uint8_t> out);
// Decodes min(encoded.size(), out.size()) bytes into out; returns how many.
std::size_t G711Decode(G711Law law, std::span<const std::uint8_t> encoded,
                       std::span<std::int16_t> out);

std::vector<std::uint8_t> G711Encode(G711Law law, std::span<const std::int16_t> pcm);
Samples G711Decode(G711Law law, std::span<const std::uint8_t> encoded);

}  // namespace talky
