#include "voice/providers/pocketsphinx_speech_to_text.h"

// sphinxbase's headers: C, with old-style casts and unused parameters.
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fsg_model.h>
#include <sphinxbase/jsgf.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "voice/resampler.h"

namespace talky {
namespace {

constexpr int kModelRate = kWidebandRate;
constexpr const char* kGrammarSearch = "grammar";
constexpr const char* kBackgroundSearch = "background";
constexpr const char* kSilenceWord = "sil";
constexpr const char* kBackgroundPrefix = "bg_";
// A 20 ms frame whose RMS stays under this (about -54 dBFS) everywhere: the utterance was silence.
constexpr double kSilenceRms = 64.0;

// The background: frequent English words, the free loop that out-of-grammar speech fits better
// than any expected phrase.
constexpr const char* kBackgroundWords[] = {
    "the",    "a",     "i",    "you",     "it",     "is",     "was",   "to",    "of",    "and",
    "in",     "that",  "have", "for",     "not",    "on",     "with",  "he",    "as",    "do",
    "at",     "this",  "but",  "his",     "by",     "from",   "they",  "we",    "say",   "her",
    "she",    "or",    "an",   "will",    "my",     "one",    "all",   "would", "there", "their",
    "what",   "so",    "up",   "out",     "if",     "about",  "who",   "get",   "which", "go",
    "me",     "when",  "make", "can",     "like",   "time",   "just",  "him",   "know",  "take",
    "people", "into",  "year", "your",    "good",   "some",   "could", "them",  "see",   "other",
    "than",   "then",  "now",  "look",    "only",   "come",   "its",   "over",  "think", "also",
    "back",   "after", "use",  "two",     "how",    "our",    "work",  "first", "well",  "way",
    "even",   "new",   "want", "because", "any",    "these",  "give",  "day",   "most",  "us",
    "call",   "stop",  "busy", "later",   "please", "thanks", "sure",  "maybe", "right", "hello",
};

struct DecoderDeleter {
  void operator()(ps_decoder_t* decoder) const { ps_free(decoder); }
};
using DecoderPtr = std::unique_ptr<ps_decoder_t, DecoderDeleter>;

struct ConfigDeleter {
  void operator()(cmd_ln_t* config) const { cmd_ln_free_r(config); }
};

// Lower case, letters, digits and apostrophes, single spaces.
std::vector<std::string> Words(std::string_view phrase) {
  std::vector<std::string> words;
  std::string word;
  for (char c : phrase) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '\'') {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::string Join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) {
    if (!text.empty()) text += ' ';
    text += word;
  }
  return text;
}

// ps_set_jsgf_string of 5prealpha never frees the parsed grammar (ASan: a leak per grammar); this
// is the same steps with the grammar freed. 0 on success, as pocketsphinx.
int SetGrammar(ps_decoder_t* ps, const char* name, const std::string& text) {
  jsgf_t* grammar = jsgf_parse_string(text.c_str(), nullptr);
  if (grammar == nullptr) return -1;
  int result = -1;
  if (jsgf_rule_t* rule = jsgf_get_public_rule(grammar); rule != nullptr) {
    const float language_weight = cmd_ln_float32_r(ps_get_config(ps), "-lw");
    if (fsg_model_t* fsg = jsgf_build_fsg(grammar, rule, ps_get_logmath(ps), language_weight)) {
      result = ps_set_fsg(ps, name, fsg);
      fsg_model_free(fsg);
    }
  }
  jsgf_grammar_free(grammar);
  return result;
}

// The acoustic part of the best path's score: the grammar's and the loop's transition
// probabilities differ (a 120-word loop pays log(1/120) per word), the sounds' fit does not.
std::int64_t AcousticScore(ps_decoder_t* ps) {
  std::int64_t total = 0;
  for (ps_seg_t* seg = ps_seg_iter(ps); seg != nullptr; seg = ps_seg_next(seg)) {
    std::int32_t acoustic = 0, language = 0, backoff = 0;
    ps_seg_prob(seg, &acoustic, &language, &backoff);
    total += acoustic;
  }
  return total;
}

}  // namespace

// A decoder and the words its dictionary already holds.
struct PooledDecoder {
  DecoderPtr decoder;
  std::unordered_set<std::string> words;
};

struct PocketsphinxSpeechToText::Shared {
  Options options;
  std::unordered_map<std::string, std::string> pronunciations;  // cmudict: word -> phones
  std::string background_grammar;
  std::mutex mutex;
  std::vector<std::unique_ptr<PooledDecoder>> idle;  // guarded by mutex

  const std::string* Pronunciation(const std::string& word) const {
    auto it = pronunciations.find(word);
    return it == pronunciations.end() ? nullptr : &it->second;
  }

  std::unique_ptr<PooledDecoder> Create() {
    std::unique_ptr<cmd_ln_t, ConfigDeleter> config(cmd_ln_init(
        nullptr, ps_args(), TRUE, "-hmm", options.model_dir.c_str(),
        // Empty: the words come from cmudict as grammars need them (6 MB and 15 ms, not 27/170).
        "-dict", "/dev/null",
        // Fillers let "no" plus noise beat "not now" (see the header).
        "-fsgusefiller", "no", nullptr));
    if (!config) return nullptr;
    DecoderPtr decoder(ps_init(config.get()));
    if (!decoder) return nullptr;
    auto pooled = std::make_unique<PooledDecoder>();
    pooled->decoder = std::move(decoder);
    ps_decoder_t* ps = pooled->decoder.get();
    if (ps_add_word(ps, kSilenceWord, "SIL", FALSE) < 0) return nullptr;
    for (const char* word : kBackgroundWords) {
      const std::string* phones = Pronunciation(word);
      if (phones == nullptr) continue;
      if (ps_add_word(ps, (kBackgroundPrefix + std::string(word)).c_str(), phones->c_str(), FALSE) <
          0) {
        return nullptr;
      }
    }
    if (SetGrammar(ps, kBackgroundSearch, background_grammar) != 0) {
      return nullptr;
    }
    return pooled;
  }

  std::unique_ptr<PooledDecoder> Take() {
    {
      std::lock_guard lock(mutex);
      if (!idle.empty()) {
        auto decoder = std::move(idle.back());
        idle.pop_back();
        return decoder;
      }
    }
    return Create();
  }

  void Give(std::unique_ptr<PooledDecoder> decoder) {
    std::lock_guard lock(mutex);
    if (idle.size() < options.max_idle_decoders) idle.push_back(std::move(decoder));
  }
};

namespace {

class PocketsphinxRecognizer final : public SpeechRecognizer {
 public:
  PocketsphinxRecognizer(std::shared_ptr<PocketsphinxSpeechToText::Shared> shared,
                         std::unique_ptr<PooledDecoder> decoder, int sample_rate,
                         RecognitionSink& sink)
      : shared_(std::move(shared)), decoder_(std::move(decoder)), sink_(sink) {
    if (sample_rate != kModelRate) upsampler_.emplace(sample_rate, kModelRate);
  }

  ~PocketsphinxRecognizer() override {
    if (in_utterance_ && grammar_ready_) ps_end_utt(decoder_->decoder.get());
    shared_->Give(std::move(decoder_));
  }

  void Expect(std::vector<std::string> phrases) override { pending_ = std::move(phrases); }

  void Write(std::span<const std::int16_t> samples) override {
    if (!in_utterance_ && !StartUtterance()) return;
    if (upsampler_) {
      Samples upsampled = upsampler_->Process(samples);
      Feed(upsampled);
    } else {
      Feed(samples);
    }
  }

  void Finalize() override {
    Transcript transcript;
    transcript.is_final = true;
    if (!in_utterance_) {
      sink_.OnTranscript(std::move(transcript));
      return;
    }
    if (upsampler_) Feed(upsampler_->Flush());
    ps_decoder_t* ps = decoder_->decoder.get();
    in_utterance_ = false;
    if (grammar_ready_ && ps_end_utt(ps) < 0) {
      sink_.OnError(Error::Internal("pocketsphinx could not end the utterance"));
      return;
    }
    if (grammar_ready_ && loudest_rms_ >= kSilenceRms) Decide(transcript);
    audio_.clear();
    sink_.OnTranscript(std::move(transcript));
  }

 private:
  // Applies the pending phrases (a new grammar) and starts the decoder; false after OnError.
  bool StartUtterance() {
    ps_decoder_t* ps = decoder_->decoder.get();
    if (pending_) {
      std::vector<std::string> phrases;
      for (const auto& phrase : *pending_) {
        std::vector<std::string> words = Words(phrase);
        if (words.empty() || !AddWords(words)) continue;  // unknown word: cannot be recognized
        std::string text = Join(words);
        if (std::find(phrases.begin(), phrases.end(), text) == phrases.end()) {
          phrases.push_back(std::move(text));
        }
      }
      pending_.reset();
      grammar_ready_ = false;
      if (!phrases.empty()) {
        std::string grammar =
            "#JSGF V1.0;\ngrammar expected;\npublic <utterance> = <sil> | [<sil>] (";
        for (std::size_t i = 0; i < phrases.size(); ++i) {
          grammar += (i == 0 ? "" : " | ") + phrases[i];
        }
        grammar += ") [<sil>];\n<sil> = sil | sil sil;\n";
        if (SetGrammar(ps, kGrammarSearch, grammar) != 0) {
          sink_.OnError(Error::Internal("pocketsphinx rejected the grammar"));
          return false;
        }
        grammar_ready_ = true;
      }
    }
    if (grammar_ready_ && ps_set_search(ps, kGrammarSearch) != 0) {
      sink_.OnError(Error::Internal("pocketsphinx could not select the grammar"));
      return false;
    }
    // Nothing expected: the utterance is only listened to (not understood at its end).
    if (grammar_ready_ && ps_start_utt(ps) < 0) {
      sink_.OnError(Error::Internal("pocketsphinx could not start an utterance"));
      return false;
    }
    in_utterance_ = true;
    loudest_rms_ = 0;
    return true;
  }

  // Adds the words the decoder lacks; false when one is not in cmudict.
  bool AddWords(const std::vector<std::string>& words) {
    for (const auto& word : words) {
      if (decoder_->words.contains(word)) continue;
      const std::string* phones = shared_->Pronunciation(word);
      if (phones == nullptr) return false;
      if (ps_lookup_word(decoder_->decoder.get(), word.c_str()) == nullptr &&
          ps_add_word(decoder_->decoder.get(), word.c_str(), phones->c_str(), FALSE) < 0) {
        return false;
      }
      decoder_->words.insert(word);
    }
    return true;
  }

  void Feed(std::span<const std::int16_t> samples) {
    if (samples.empty()) return;
    const std::size_t frame = SamplesPerFrame(kModelRate);
    for (std::size_t start = 0; start < samples.size(); start += frame) {
      const std::size_t count = std::min(frame, samples.size() - start);
      double energy = 0;
      for (std::size_t i = start; i < start + count; ++i) {
        energy += static_cast<double>(samples[i]) * samples[i];
      }
      loudest_rms_ = std::max(loudest_rms_, std::sqrt(energy / static_cast<double>(count)));
    }
    if (!grammar_ready_) return;
    audio_.insert(audio_.end(), samples.begin(), samples.end());
    ps_process_raw(decoder_->decoder.get(), samples.data(), samples.size(), FALSE, FALSE);
  }

  // The grammar's best phrase, understood when it scores close enough to the free word loop.
  void Decide(Transcript& transcript) {
    ps_decoder_t* ps = decoder_->decoder.get();
    std::int32_t grammar_score = 0;
    const char* hypothesis = ps_get_hyp(ps, &grammar_score);
    std::vector<std::string> words;
    for (auto& word : Words(hypothesis != nullptr ? hypothesis : "")) {
      if (word != kSilenceWord) words.push_back(std::move(word));
    }
    const int frames = ps_get_n_frames(ps);
    if (words.empty() || frames <= 0) return;
    const std::int64_t grammar_acoustic = AcousticScore(ps);

    std::int32_t background_score = 0;  // includes the loop's word penalties: not compared
    if (ps_set_search(ps, kBackgroundSearch) != 0 || ps_start_utt(ps) < 0) return;
    ps_process_raw(ps, audio_.data(), audio_.size(), FALSE, TRUE);
    ps_end_utt(ps);
    const char* background = ps_get_hyp(ps, &background_score);
    const std::int64_t background_acoustic = AcousticScore(ps);
    ps_set_search(ps, kGrammarSearch);
    if (background == nullptr) return;
    // Per 10 ms frame, in the decoder's scaled log units: how much better the phrase fits the
    // sounds than the free word loop does.
    const double gap = static_cast<double>(grammar_acoustic - background_acoustic) / frames;
    if (gap < shared_->options.rejection_margin) return;
    transcript.text = Join(words);
    transcript.understood = true;
  }

  std::shared_ptr<PocketsphinxSpeechToText::Shared> shared_;
  std::unique_ptr<PooledDecoder> decoder_;
  RecognitionSink& sink_;
  std::optional<Resampler> upsampler_;
  std::optional<std::vector<std::string>> pending_;
  bool grammar_ready_ = false;
  bool in_utterance_ = false;
  double loudest_rms_ = 0;
  Samples audio_;  // this utterance at the model's rate, for the background pass
};

}  // namespace

PocketsphinxSpeechToText::PocketsphinxSpeechToText(Options options)
    : shared_(std::make_shared<Shared>()) {
  err_set_logfp(nullptr);
  shared_->options = std::move(options);
  std::ifstream dictionary(shared_->options.dictionary);
  if (!dictionary) {
    throw std::runtime_error("cannot read the pocketsphinx dictionary " +
                             shared_->options.dictionary.string());
  }
  std::string line;
  while (std::getline(dictionary, line)) {
    const auto space = line.find(' ');
    if (space == std::string::npos || space == 0) continue;
    std::string word = line.substr(0, space);
    if (word.find('(') != std::string::npos) continue;  // alternative pronunciations: first only
    auto comment = line.find('#', space);
    shared_->pronunciations.emplace(
        std::move(word),
        line.substr(space + 1,
                    comment == std::string::npos ? std::string::npos : comment - space - 1));
  }
  std::string loop;
  for (const char* word : kBackgroundWords) {
    if (shared_->Pronunciation(word) == nullptr) continue;
    loop += (loop.empty() ? "" : " | ") + (kBackgroundPrefix + std::string(word));
  }
  shared_->background_grammar = "#JSGF V1.0;\ngrammar background;\npublic <utterance> = [<sil>] (" +
                                loop + ")+ [<sil>];\n<sil> = sil | sil sil;\n";
  // A first decoder now: a missing model is a setup mistake, found at start-up.
  auto first = shared_->Create();
  if (!first) {
    throw std::runtime_error("cannot load the pocketsphinx model " +
                             shared_->options.model_dir.string());
  }
  shared_->Give(std::move(first));
}

PocketsphinxSpeechToText::~PocketsphinxSpeechToText() = default;

Expected<std::unique_ptr<SpeechRecognizer>> PocketsphinxSpeechToText::Open(int sample_rate,
                                                                           RecognitionSink& sink) {
  if (sample_rate != kNarrowbandRate && sample_rate != kWidebandRate) {
    return std::unexpected(Error::InvalidArgument(
        "speech recognition needs 8000 or 16000 Hz, got " + std::to_string(sample_rate)));
  }
  auto decoder = shared_->Take();
  if (!decoder) return std::unexpected(Error::Unavailable("pocketsphinx decoder not created"));
  return std::make_unique<PocketsphinxRecognizer>(shared_, std::move(decoder), sample_rate, sink);
}

}  // namespace talky
