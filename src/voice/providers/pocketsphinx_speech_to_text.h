// Offline speech recognition with pocketsphinx 5prealpha and the en-us model (VOICE.md), over a
// grammar of the replies the conversation expects. There is no open dictation offline: with no
// expected phrases, anything heard is "not understood".
//
// Rejection: pocketsphinx forces out-of-grammar speech onto the grammar, and the way it does so is
// what gives it away: it fits a short phrase somewhere and leaves the rest of the speech to the
// silence word around it, since no phrase's words stretch over it. So the phrase is understood only
// when at most max_energy_outside_phrase of the utterance's speech energy (above its noise floor)
// lies outside the phrase's frames. Measured (tests/voice/providers RejectionTable, and a wider
// table of 12 expected and 24 unexpected utterances x 3 espeak voices x 16/8 kHz), share outside:
// expected phrases heard right 0.00-0.10 at 16 kHz, up to 0.17 at 8 kHz; unexpected speech
// 0.19-0.90, except one-word near-misses that the phrase covers whole ("nope" and "sure" as "no":
// 0.02-0.10, "yeah" as "yes"), which this cannot tell. Counts over that wider table (expected
// understood word-exact, unexpected rejected): clean, 31/36 and 63/72 at 16 kHz, 25/36 and 66/72 at
// 8 kHz (every miss a misheard phrase come out not understood, or one of the near-misses); under
// white noise through the whole utterance rejection weakens, since the grammar then stretches a
// phrase over noise and speech alike ("hello" as "that is wrong" under a three-phrase grammar): at
// 20 dB SNR 36/36 and 52/72 at 16 kHz, 36/36 and 50/72 at 8 kHz; at 10 dB 31/36 and 48/72, 32/36
// and 50/72, and "that is correct" heard as "that is wrong". It costs no second pass: about 10-50
// ms of CPU per utterance, the grammar decode alone.
// Measured and not separating (kept out): a second decode with a free loop over 120 common words,
// or with the stock n-gram model and full dictionary (93 MB and 0.4-0.5 s per decoder, 0.25-1.5 s
// of CPU per utterance; its hypotheses of espeak speech too wrong to check words against, and the
// acoustic scores per frame of the two passes overlapping between expected and unexpected speech);
// keyphrase spotting of the grammar's phrase against pocketsphinx's phone loop (long expected
// phrases pruned or scored like unexpected ones); the loop inside the grammar with JSGF weights;
// the [SPEECH] filler as garbage; a phone loop in FSG form or allphone search (4-6 s per
// utterance); ps_get_prob (1.0 for every hypothesis of a small grammar). The loop pass used to be
// fed the audio whole (full_utt) while the grammar pass was streamed: decoded whole, the same audio
// is heard far worse ("call me back later" as "no"), so those scores did not compare. Filler
// insertion is off (-fsgusefiller no): with it, "not now" under yes|no|not now came out "no" with
// the rest taken as noise. Without it "not now" and "no thanks" are still heard as "no" on espeak's
// en-us voice (the acoustic model hears espeak's "t n aU" as little more than silence); the rest
// left to silence, they now come out not understood. So do long phrases at 8 kHz in some runs
// ("call me back later" heard as "no"): recognition there depends on the decoder's cepstral mean,
// which it adapts from the utterances it heard before, at whatever rate.
//
// Cost: decoders are pooled (created with an empty dictionary: words are added from cmudict as
// grammars need them): measured 12-25 ms and 5.5 MB each, against 506 ms and 27 MB with the full
// dictionary (2 cores under a parallel build; VOICE.md saw 15 and 170 ms unloaded). The provider
// loads cmudict once: 384 ms and 21 MB with its first decoder.
//
// Threads: Open from any thread; a recognizer is used by one call's thread and calls its sink from
// inside Finalize. Recognizers may outlive the provider (the pool is shared).
#pragma once

#include <filesystem>
#include <memory>

#include "voice/speech_to_text.h"

namespace talky {

class PocketsphinxSpeechToText final : public SpeechToText {
 public:
  struct Options {
    std::filesystem::path model_dir = "/usr/share/pocketsphinx/model/en-us/en-us";
    std::filesystem::path dictionary = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict";
    std::size_t max_idle_decoders = 8;  // decoders kept for reuse beyond this are freed
    // The share of the speech energy the phrase may leave unexplained and still be understood
    // (see the comment above): expected phrases measured up to 0.17, unexpected speech from 0.19.
    double max_energy_outside_phrase = 0.18;
  };

  // Throws std::runtime_error when the model or the dictionary cannot be read (a setup mistake).
  explicit PocketsphinxSpeechToText(Options options);
  PocketsphinxSpeechToText() : PocketsphinxSpeechToText(Options{}) {}
  ~PocketsphinxSpeechToText() override;

  // sample_rate 8000 (resampled up to the model's 16000) or 16000; others are InvalidArgument.
  // Unavailable when a decoder cannot be created.
  Expected<std::unique_ptr<SpeechRecognizer>> Open(int sample_rate, RecognitionSink& sink) override;

  struct Shared;  // the dictionary and the decoder pool; defined in the .cpp

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace talky
