#include "voice/answering_machine_detector.h"

#include "voice/audio.h"

namespace talky {

AnsweringMachineDetector::AnsweringMachineDetector(int sample_rate,
                                                   AnsweringMachineSettings settings)
    : settings_(settings), tones_(sample_rate) {}

void AnsweringMachineDetector::OnFrame(std::span<const std::int16_t> frame, bool speech) {
  elapsed_ += kFrameDuration;
  silence_run_ = speech ? std::chrono::milliseconds(0) : silence_run_ + kFrameDuration;
  switch (verdict_) {
    case AnswerKind::kHuman:
      return;
    case AnswerKind::kMachine:
      tones_.OnFrame(frame);
      return;
    case AnswerKind::kUndecided:
      break;
  }
  if (speech) {
    in_utterance_ = true;
    utterance_speech_ += kFrameDuration;
  }
  // A beep is a machine whatever came before (a short "leave a message" greeting).
  if (tones_.OnFrame(frame) || utterance_speech_ >= settings_.long_greeting) {
    verdict_ = AnswerKind::kMachine;
    silence_run_ = std::chrono::milliseconds(0);
  } else if (in_utterance_ && silence_run_ >= settings_.utterance_gap) {
    verdict_ = AnswerKind::kHuman;  // a short first utterance, then a pause for the reply
  } else if (!in_utterance_ && elapsed_ >= settings_.analysis_window) {
    verdict_ = AnswerKind::kHuman;  // silent: listening to the agent
  }
}

void AnsweringMachineDetector::Told(ProviderMachineDetection detection) {
  const AnswerKind before = verdict_;
  if (detection.beep) {
    told_beep_ = true;
    verdict_ = AnswerKind::kMachine;
  } else if (detection.verdict != AnswerKind::kUndecided) {
    verdict_ = detection.verdict;
  }
  // A machine told of, not heard: its greeting's silence is counted from now.
  if (verdict_ == AnswerKind::kMachine && before != AnswerKind::kMachine) {
    silence_run_ = std::chrono::milliseconds(0);
  }
}

bool AnsweringMachineDetector::ready_for_message() const {
  return verdict_ == AnswerKind::kMachine &&
         (beep_heard() || silence_run_ >= settings_.quiet_after_greeting);
}

}  // namespace talky
