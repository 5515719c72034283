// What the media WebSocket's session manager needs to know of an answered call, read from the
// store: the call (which must exist and not be over), its campaign (system prompt, voice,
// turn-taking, opt-out key and call length from calling_config: voice/voice_settings.h; its
// script, voice/campaign_script.h), its lead and tenant (the script's {first_name}, {business},
// ...); the conversation engine walking the script is its language model and reply grammar, and
// the store keeps its turns, verdict and opt-out (store_conversation_recorder.h) and, when the
// campaign records calls, the recording.
#pragma once

#include "app/cloud_providers.h"
#include "store/store.h"
#include "voice/session_manager.h"

namespace talky {

// NotFound for an unknown call or one already completed; the store's error when it cannot say.
// The store and the clock must outlive the call. A campaign whose language model, ears or voice
// are cloud ones gets them from `cloud` (which must outlive the call); without `cloud`, or when a
// key is missing (logged), the offline one serves instead: a call is never left without a voice.
Expected<AnsweredCall> LookUpAnsweredCall(Store& store, const Clock& clock, const CallId& call,
                                          CloudProviders* cloud = nullptr);

}  // namespace talky
