// Identifiers: random UUIDs for jobs, short ids for requests and replicas.
// Thread-safety: every function is safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace tc {

// A random (version 4) UUID in its canonical lowercase text form.
std::string new_uuid();
// True when `text` is a UUID in canonical 8-4-4-4-12 hex form (either case).
bool is_uuid(std::string_view text);
// A short random hex token of `hex_chars` characters (at most 16), for replica and node ids.
std::string random_hex(int hex_chars);
// A request id unique within this process: a per-process random prefix and a counter.
std::string next_request_id();
// True when a client-supplied request id is safe to echo and log: 1-128 characters of
// [A-Za-z0-9._:-].
bool is_valid_request_id(std::string_view id);

}  // namespace tc
