// A call's audio recording: a stereo WAV (caller left, agent right), kept for campaigns that
// record their calls and erased with the lead's data (CampaignStore::EraseLead, DeleteCampaign).
// One role of the system of record (store.h says what every role promises: tenant isolation, the
// errors, thread safety). Kept in the database beside the call's record, so every process that
// serves the API finds it and an erasure removes it in the same transaction.
#pragma once

#include <string>
#include <string_view>

#include "domain/error.h"
#include "domain/ids.h"
#include "domain/instant.h"

namespace talky {

class RecordingStore {
 public:
  virtual ~RecordingStore() = default;

  // InvalidArgument naming call_id for an unknown call or another tenant's; Conflict when the
  // call already has a recording.
  virtual Expected<void> SaveCallRecording(const TenantId& tenant, const CallId& call,
                                           std::string_view wav, Instant at) = 0;
  // The WAV's bytes; NotFound when the call has none (never recorded, or erased).
  virtual Expected<std::string> GetCallRecording(const TenantId& tenant, const CallId& call) = 0;
};

}  // namespace talky
