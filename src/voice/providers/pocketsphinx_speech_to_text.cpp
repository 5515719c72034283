#include "voice/providers/pocketsphinx_speech_to_text.h"

// sphinxbase's headers: C, with old-style casts and unused parameters.
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fsg_model.h>
#include <sphinxbase/jsgf.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <mutex>
#include <optional>
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
constexpr const char* kSilenceWord = "sil";
// A 20 ms frame whose RMS stays under this (about -54 dBFS) everywhere: the utterance was silence.
constexpr double kSilenceRms = 64.0;
// The decoder's frame: 10 ms at the model's rate.
constexpr std::size_t kFrameSamples = kModelRate / 100;

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

// The share of the utterance's speech energy that lies outside frames [first, last]: what the
// grammar had to leave to its silence word because no phrase explains it. The noise floor (the
// 10th percentile of the frames' energies) is taken off each frame first, so steady line noise
// around the speech does not count.
double EnergyOutside(const std::vector<double>& frame_energy, int first, int last) {
  if (frame_energy.empty()) return 0.0;
  std::vector<double> sorted = frame_energy;
  auto tenth = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 10);
  std::nth_element(sorted.begin(), tenth, sorted.end());
  const double floor = *tenth;
  double total = 0, outside = 0;
  for (std::size_t f = 0; f < frame_energy.size(); ++f) {
    const double energy = std::max(0.0, frame_energy[f] - floor);
    total += energy;
    if (static_cast<int>(f) < first || static_cast<int>(f) > last) outside += energy;
  }
  return total > 0 ? outside / total : 0.0;
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
        "-fsgusefiller", "no",
        // Every frame decoded: the path's frames then line up with the audio's (rejection).
        "-remove_silence", "no", nullptr));
    if (!config) return nullptr;
    DecoderPtr decoder(ps_init(config.get()));
    if (!decoder) return nullptr;
    auto pooled = std::make_unique<PooledDecoder>();
    pooled->decoder = std::move(decoder);
    ps_decoder_t* ps = pooled->decoder.get();
    if (ps_add_word(ps, kSilenceWord, "SIL", FALSE) < 0) return nullptr;
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
    frame_energy_.clear();
    frame_sum_ = 0;
    frame_fill_ = 0;
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
    for (std::int16_t sample : samples) {
      frame_sum_ += static_cast<double>(sample) * sample;
      if (++frame_fill_ == kFrameSamples) {
        frame_energy_.push_back(frame_sum_ / kFrameSamples);
        frame_sum_ = 0;
        frame_fill_ = 0;
      }
    }
    ps_process_raw(decoder_->decoder.get(), samples.data(), samples.size(), FALSE, FALSE);
  }

  // The grammar's best phrase, understood when it explains the speech heard: pocketsphinx fits
  // out-of-grammar speech with a short phrase and its silence word around it (see the header).
  void Decide(Transcript& transcript) {
    ps_decoder_t* ps = decoder_->decoder.get();
    std::int32_t score = 0;  // the path's: not comparable between utterances, unused
    if (ps_get_hyp(ps, &score) == nullptr) return;
    // Segment frames count from the decoder's start, not the utterance's: the path starts the
    // utterance. Its segments are the phrase's words, the silence word and null transitions.
    std::optional<int> start, first, last;
    std::vector<std::string> words;
    for (ps_seg_t* seg = ps_seg_iter(ps); seg != nullptr; seg = ps_seg_next(seg)) {
      int from = 0, to = 0;
      ps_seg_frames(seg, &from, &to);
      start = std::min(start.value_or(from), from);
      std::string word = ps_seg_word(seg);
      if (!decoder_->words.contains(word)) continue;
      first = std::min(first.value_or(from), from);
      last = std::max(last.value_or(to), to);
      words.push_back(std::move(word));
    }
    if (words.empty()) return;
    *first -= *start;
    *last -= *start;
    if (words.empty()) return;
    if (EnergyOutside(frame_energy_, *first, *last) > shared_->options.max_energy_outside_phrase) {
      return;
    }
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
  // This utterance's mean square per decoder frame, at the model's rate.
  std::vector<double> frame_energy_;
  double frame_sum_ = 0;
  std::size_t frame_fill_ = 0;
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
