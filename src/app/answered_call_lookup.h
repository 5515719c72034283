// What the media WebSocket's session manager needs to know of an answered call, read from the
// store: the call (which must exist and not be over), its campaign (system prompt, voice,
// turn-taking and opt-out key from calling_config: voice/voice_settings.h) and lead
// (first name for the greeting), and, until the conversation engine lands, the fixed offline
// script as its language model and reply grammar.
#pragma once

#include "store/store.h"
#include "voice/session_manager.h"

namespace talky {

// NotFound for an unknown call or one already completed; the store's error when it cannot say.
// The config's opt_out writes the callee's number to the tenant's Do-Not-Call list (at `clock`'s
// now). The store and the clock must outlive the call.
Expected<AnsweredCall> LookUpAnsweredCall(Store& store, const Clock& clock, const CallId& call);

}  // namespace talky
