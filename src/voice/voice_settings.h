// What a campaign's calling_config says about the voice of its calls: when the caller holds the
// floor (turn_taking, turn_taking.h), the key that opts the callee out (opt_out_key: one of
// 0-9, * or #, default "9"; null for none, for calls that are not telemarketing) and the longest
// a call may last (max_call_seconds: 30-7200, default 600), and what to do on reaching an
// answering machine (voicemail: {"detect": true|false (default true), "action": "hang_up" (the
// default) | "leave_message", "message": the line to leave after the beep, templated as the
// script's lines}) and whether the call's audio is recorded (record_calls: true|false, default
// false; recording_media_listener.h) and which language model speaks (language_model: {"provider":
// "offline" (the default: the conversation engine walks the script) | "openai" (any
// OpenAI-compatible chat completions API), "base_url", "model", "api_key_name": the name of the
// secret that holds its key, never the key}), which ears (speech_to_text: {"provider": "offline"
// (pocketsphinx, the default) | "deepgram", "url" (default Deepgram's: /v2/listen for a Flux
// model, else /v1/listen), "model" (nova-3; flux-general-en for Flux), "language" (en),
// "api_key_name" (DEEPGRAM_API_KEY)}) and which voice (text_to_speech:
// {"provider": "offline" (espeak-ng, the default) | "cartesia", "voice": Cartesia's voice id
// (required), "url" (default Cartesia's /tts/websocket), "model" (sonic-2), "language" (en),
// "version" (the Cartesia-Version header, 2025-04-16), "api_key_name" (CARTESIA_API_KEY)}). Read
// when a campaign is created (every bad field named) and when its call is answered.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/error.h"
#include "voice/turn_taking.h"

namespace talky {

struct VoicemailSettings {
  bool detect = true;
  std::optional<std::string> message;  // a template; none: hang up on a machine
};

struct LanguageModelSettings {
  bool cloud = false;        // provider "openai"
  std::string base_url;      // e.g. https://api.groq.com/openai/v1
  std::string model;         // e.g. llama-3.1-8b-instant
  std::string api_key_name;  // e.g. GROQ_API_KEY; empty: the server wants no key

  bool operator==(const LanguageModelSettings&) const = default;
};

struct SpeechToTextSettings {
  bool cloud = false;  // provider "deepgram"
  std::string url;     // empty: Deepgram's (/v2/listen for a flux-* model, else /v1/listen)
  std::string model = "nova-3";
  std::string language = "en";
  std::string api_key_name = "DEEPGRAM_API_KEY";

  bool operator==(const SpeechToTextSettings&) const = default;
};

struct TextToSpeechSettings {
  bool cloud = false;  // provider "cartesia"
  std::string url = "wss://api.cartesia.ai/tts/websocket";
  std::string model = "sonic-2";
  std::string voice;
  std::string language = "en";
  std::string version = "2025-04-16";
  std::string api_key_name = "CARTESIA_API_KEY";

  bool operator==(const TextToSpeechSettings&) const = default;
};

struct VoiceSettings {
  TurnTaking turn_taking;
  std::optional<char> opt_out_key = '9';
  std::chrono::seconds max_call_length{600};
  VoicemailSettings voicemail;
  bool record_calls = false;
  LanguageModelSettings language_model;
  SpeechToTextSettings speech_to_text;
  TextToSpeechSettings text_to_speech;
};

// `calling_config`: null or an object; keys that are not ours (caller_id) are left alone.
// kInvalidArgument names each bad field as "calling_config.<key>[.<key>]".
Expected<VoiceSettings> VoiceSettingsFromCallingConfig(const nlohmann::json& calling_config);

}  // namespace talky
