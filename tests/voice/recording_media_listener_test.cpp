// The call recording: the caller's frames on the left as they arrive, the agent's on the right
// where they play (on the caller's timeline), what a barge-in dropped cut, kept once at the close
// as a stereo WAV whose header says what it holds.
#include "voice/recording_media_listener.h"

#include <gtest/gtest.h>

#include <cstring>

#include "voice/stereo_wav.h"

namespace talky {
namespace {

constexpr int kRate = kNarrowbandRate;
constexpr std::size_t kFrame = SamplesPerFrame(kRate);

// The agent's side: hands out the frames it was given, each filled with its value.
class ScriptedAgent final : public MediaListener {
 public:
  void OnAudio(std::span<const std::int16_t>) override { ++heard; }
  void OnDtmf(char digit, std::chrono::milliseconds) override { digits += digit; }
  void OnPlayed(int) override {}
  void OnPlaybackCleared() override { ++cleared; }
  bool NextFrame(Samples& frame) override {
    if (to_say.empty()) return false;
    frame.assign(kFrame, to_say.front());
    to_say.erase(to_say.begin());
    return true;
  }
  void OnClosed(std::string reason) override { closed = reason; }

  std::vector<std::int16_t> to_say;
  int heard = 0;
  int cleared = 0;
  std::string digits;
  std::string closed;
};

Samples Frame(std::int16_t value) { return Samples(kFrame, value); }

// The WAV's two channels, after checking its header.
std::pair<Samples, Samples> Channels(const std::string& wav) {
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, wav.data() + at, 4);
    return v;
  };
  auto u16 = [&](std::size_t at) {
    std::uint16_t v = 0;
    std::memcpy(&v, wav.data() + at, 2);
    return v;
  };
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(u32(4), wav.size() - 8);
  EXPECT_EQ(wav.substr(8, 8), "WAVEfmt ");
  EXPECT_EQ(u16(20), 1);  // PCM
  EXPECT_EQ(u16(22), 2);  // channels
  EXPECT_EQ(u32(24), static_cast<std::uint32_t>(kRate));
  EXPECT_EQ(u32(28), static_cast<std::uint32_t>(kRate * 4));
  EXPECT_EQ(u16(32), 4);
  EXPECT_EQ(u16(34), 16);
  EXPECT_EQ(wav.substr(36, 4), "data");
  EXPECT_EQ(u32(40), wav.size() - 44);
  Samples left, right;
  for (std::size_t at = 44; at + 4 <= wav.size(); at += 4) {
    left.push_back(static_cast<std::int16_t>(u16(at)));
    right.push_back(static_cast<std::int16_t>(u16(at + 2)));
  }
  return {left, right};
}

// One value per 20 ms frame of a track.
std::vector<std::int16_t> PerFrame(const Samples& track) {
  std::vector<std::int16_t> values;
  for (std::size_t at = 0; at < track.size(); at += kFrame) values.push_back(track[at]);
  return values;
}

class RecordingMediaListenerTest : public ::testing::Test {
 protected:
  std::shared_ptr<ScriptedAgent> agent_ = std::make_shared<ScriptedAgent>();
  std::vector<std::string> kept_;
  RecordingMediaListener recording_{agent_, kRate, std::chrono::seconds(60),
                                    [this](std::string wav) { kept_.push_back(std::move(wav)); }};
};

TEST_F(RecordingMediaListenerTest, TheAgentIsPlacedWhereItPlaysBesideTheCaller) {
  Samples frame;
  // The agent greets at once, pulled two frames ahead of the caller's clock.
  agent_->to_say = {7, 7};
  EXPECT_TRUE(recording_.NextFrame(frame));
  EXPECT_TRUE(recording_.NextFrame(frame));
  EXPECT_FALSE(recording_.NextFrame(frame));
  for (int i = 0; i < 4; ++i) recording_.OnAudio(Frame(1));
  // A frame late by less than 200 ms follows on: the far side's buffer bridged it.
  agent_->to_say = {8};
  EXPECT_TRUE(recording_.NextFrame(frame));
  for (int i = 0; i < 11; ++i) recording_.OnAudio(Frame(1));
  // A later turn starts at the caller's "now", not right after the greeting.
  agent_->to_say = {9};
  EXPECT_TRUE(recording_.NextFrame(frame));
  recording_.OnAudio(Frame(2));
  recording_.OnDtmf('5', std::chrono::milliseconds(100));
  recording_.OnClosed("hangup");

  EXPECT_EQ(agent_->heard, 16);  // everything still reaches the pipeline
  EXPECT_EQ(agent_->digits, "5");
  EXPECT_EQ(agent_->closed, "hangup");
  ASSERT_EQ(kept_.size(), 1u);
  auto [left, right] = Channels(kept_[0]);
  std::vector<std::int16_t> caller(15, 1);
  caller.push_back(2);
  std::vector<std::int16_t> agent = {7, 7, 8};
  agent.resize(15, 0);
  agent.push_back(9);
  EXPECT_EQ(PerFrame(left), caller);
  EXPECT_EQ(PerFrame(right), agent);
}

TEST_F(RecordingMediaListenerTest, WhatABargeInDroppedIsCutFromTheAgentsTrack) {
  Samples frame;
  agent_->to_say = {7, 7, 7, 7, 7};
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(recording_.NextFrame(frame));
  recording_.OnAudio(Frame(1));
  recording_.OnAudio(Frame(1));
  recording_.OnPlaybackCleared();  // three frames were queued at the far side, never played
  EXPECT_EQ(agent_->cleared, 1);
  recording_.OnAudio(Frame(3));
  recording_.OnClosed("hangup");
  recording_.OnClosed("again");  // kept once
  ASSERT_EQ(kept_.size(), 1u);
  auto [left, right] = Channels(kept_[0]);
  EXPECT_EQ(PerFrame(left), (std::vector<std::int16_t>{1, 1, 3}));
  EXPECT_EQ(PerFrame(right), (std::vector<std::int16_t>{7, 7, 0}));
}

TEST(RecordingMediaListenerLimit, AudioPastTheLongestRecordingIsNotKept) {
  auto agent = std::make_shared<ScriptedAgent>();
  std::string kept;
  RecordingMediaListener recording(agent, kRate, std::chrono::seconds(1),
                                   [&](std::string wav) { kept = std::move(wav); });
  for (int i = 0; i < 80; ++i) recording.OnAudio(Frame(1));  // 1.6 s
  recording.OnClosed("hangup");
  EXPECT_EQ(agent->heard, 80);
  EXPECT_EQ(Channels(kept).first.size(), static_cast<std::size_t>(kRate));
}

TEST(StereoWav, TheShorterTrackIsPaddedWithSilence) {
  const Samples left{1, -2, 3};
  const Samples right{-32768};
  auto [l, r] = Channels(StereoWav(left, right, kRate));
  EXPECT_EQ(l, left);
  EXPECT_EQ(r, (Samples{-32768, 0, 0}));
}

}  // namespace
}  // namespace talky
