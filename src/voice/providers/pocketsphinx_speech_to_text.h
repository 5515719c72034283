// Offline speech recognition with pocketsphinx 5prealpha and the en-us model (VOICE.md), over a
// grammar of the replies the conversation expects. There is no open dictation offline: with no
// expected phrases, anything heard is "not understood".
//
// Rejection (pocketsphinx forces out-of-grammar speech onto the nearest phrase): each utterance is
// decoded twice on the same decoder, once with the JSGF grammar of the expected phrases and once
// with a free loop over ~120 common English words (the background); the grammar's hypothesis is
// understood only when its path score is within kRejectionMargin per 10 ms frame of the
// background's. Out-of-grammar speech fits the free loop much better than any phrase; an expected
// phrase fits both about equally. Two things that did NOT work, measured on espeak speech: the
// background loop as a weighted alternative inside the grammar (JSGF weights had no measurable
// effect: 3/12 in-grammar accepted at any weight), and the model's [SPEECH] filler as a garbage
// word (10/48 out-of-grammar rejected). ps_get_prob gives 1.0 for every hypothesis of a small
// grammar. Filler insertion is off (-fsgusefiller no): with it, "not now" under yes|no|not now came
// out "no" with the rest taken as noise. Figures: tests/voice/providers/ (the rejection table).
//
// Cost: decoders are pooled (created with an empty dictionary: words are added from cmudict as
// grammars need them): about 15 ms and 6 MB each instead of 170 ms and 27 MB with the full
// dictionary. The provider loads cmudict once (about 3 MB of text).
// Threads: Open from any thread; a recognizer is used by one call's thread and calls its sink
// from inside Finalize. Recognizers may outlive the provider (the pool is shared).
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
    // Per 10 ms frame, in pocketsphinx's log units: how much worse than the free word loop the
    // grammar's path may score and still be understood. See the header comment.
    double rejection_margin = 0.0;
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
