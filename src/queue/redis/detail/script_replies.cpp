#include "queue/redis/detail/script_replies.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "queue/redis/job_encoding.h"

namespace talky::redis_detail {
namespace {

// Reads element `index` of `reply` as text.
Expected<std::string_view> TextAt(const ReplyView& reply, std::size_t index) {
  Expected<ReplyView> element = reply.At(index);
  if (!element) return std::unexpected(element.error());
  return element->Text();
}

Error BadShape(const ReplyView& reply, std::string message) {
  return Error::Internal(fmt::format("{}: {}", reply.what(), message));
}

}  // namespace

Expected<TakeReply> DecodeTakeReply(const ReplyView& reply, const std::string& token) {
  Expected<std::size_t> size = reply.Size();
  if (!size) return std::unexpected(size.error());
  Expected<std::string_view> status = TextAt(reply, 0);
  if (!status) return std::unexpected(status.error());
  TakeReply decoded;
  if (*status == "ok") {
    decoded.status = TakeReply::Status::kOk;
  } else if (*status == "stale") {
    decoded.status = TakeReply::Status::kStale;
  } else if (*status == "maintain") {
    decoded.status = TakeReply::Status::kMaintain;
  } else {
    return std::unexpected(BadShape(reply, fmt::format("unknown status '{}'", *status)));
  }
  Expected<ReplyView> count_element = reply.At(1);
  if (!count_element) return std::unexpected(count_element.error());
  Expected<std::int64_t> count = count_element->Integer();
  if (!count) return std::unexpected(count.error());
  if (*count < 0) return std::unexpected(BadShape(reply, fmt::format("{} jobs", *count)));
  const std::size_t jobs = static_cast<std::size_t>(*count);
  const std::size_t expected_size =
      2 + jobs * 3 + (decoded.status == TakeReply::Status::kStale ? 2 : 0);
  if (*size != expected_size) {
    return std::unexpected(BadShape(
        reply, fmt::format("{} elements for {} jobs with status '{}', where {} were expected",
                           *size, jobs, *status, expected_size)));
  }
  decoded.taken.reserve(jobs);
  for (std::size_t i = 0; i < jobs; ++i) {
    Expected<std::string_view> id = TextAt(reply, 2 + i * 3);
    if (!id) return std::unexpected(id.error());
    Expected<std::string_view> body = TextAt(reply, 3 + i * 3);
    if (!body) return std::unexpected(body.error());
    Expected<ReplyView> expires_element = reply.At(4 + i * 3);
    if (!expires_element) return std::unexpected(expires_element.error());
    Expected<std::int64_t> expires_us = expires_element->IntegerText();
    if (!expires_us) return std::unexpected(expires_us.error());
    Expected<DialerJob> job = DecodeJobBody(*body);
    if (!job) {
      return std::unexpected(Error::Internal(
          fmt::format("job '{}' in redis is unreadable: {}", *id, job.error().Describe())));
    }
    job->status = JobStatus::kProcessing;
    decoded.taken.push_back(TakenJob{
        std::move(*job),
        Lease{JobId{std::string(*id)}, token, Instant(std::chrono::microseconds(*expires_us))}});
  }
  if (decoded.status == TakeReply::Status::kStale) {
    Expected<ReplyView> looked_element = reply.At(*size - 1);
    if (!looked_element) return std::unexpected(looked_element.error());
    Expected<std::int64_t> looked = looked_element->Integer();
    if (!looked) return std::unexpected(looked.error());
    if (*looked < 0) {
      return std::unexpected(BadShape(reply, fmt::format("{} tenants looked at", *looked)));
    }
    decoded.tenants_looked_at = *looked;
    Expected<ReplyView> head = reply.At(*size - 2);
    if (!head) return std::unexpected(head.error());
    Expected<std::size_t> tenants = head->Size();
    if (!tenants) return std::unexpected(tenants.error());
    for (std::size_t i = 0; i < *tenants; ++i) {
      Expected<std::string_view> tenant = TextAt(*head, i);
      if (!tenant) return std::unexpected(tenant.error());
      decoded.ring_head.emplace_back(*tenant);
    }
  }
  return decoded;
}

Expected<std::vector<bool>> DecodeFinishReply(const ReplyView& reply, std::size_t leases) {
  Expected<std::size_t> size = reply.Size();
  if (!size) return std::unexpected(size.error());
  if (*size != leases) {
    return std::unexpected(BadShape(reply, fmt::format("{} answers for {} leases", *size, leases)));
  }
  std::vector<bool> finished(leases);
  for (std::size_t i = 0; i < leases; ++i) {
    Expected<ReplyView> element = reply.At(i);
    if (!element) return std::unexpected(element.error());
    Expected<std::int64_t> answer = element->Integer();
    if (!answer) return std::unexpected(answer.error());
    if (*answer != 0 && *answer != 1) {
      return std::unexpected(BadShape(reply, fmt::format("answer {} for a lease", *answer)));
    }
    finished[i] = *answer == 1;
  }
  return finished;
}

Expected<std::vector<DueCandidate>> DecodeDueCandidates(const ReplyView& reply) {
  Expected<std::size_t> size = reply.Size();
  if (!size) return std::unexpected(size.error());
  if (*size % 2 != 0) {
    return std::unexpected(BadShape(reply, fmt::format("{} elements, not id/meta pairs", *size)));
  }
  std::vector<DueCandidate> candidates;
  candidates.reserve(*size / 2);
  for (std::size_t i = 0; i < *size; i += 2) {
    Expected<std::string_view> id = TextAt(reply, i);
    if (!id) return std::unexpected(id.error());
    Expected<std::string_view> meta_text = TextAt(reply, i + 1);
    if (!meta_text) return std::unexpected(meta_text.error());
    const nlohmann::json meta = nlohmann::json::parse(*meta_text, nullptr,
                                                      /*allow_exceptions=*/false);
    if (!meta.is_array() || meta.empty() || !meta[0].is_string()) {
      return std::unexpected(Error::Internal("job without metadata in redis: " + std::string(*id)));
    }
    candidates.push_back({.job_id = std::string(*id), .tenant = meta[0].get<std::string>()});
  }
  return candidates;
}

}  // namespace talky::redis_detail
