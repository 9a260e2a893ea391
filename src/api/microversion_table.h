// What each Compute API microversion changes for keypairs, as one table keyed by version range:
// the model is Nova's keypairs controller (@wsgi.response, @validation.schema and
// @validation.query_schema with their version ranges) and views/keypairs.py's field lists.
// The table is checked at compile time to run from kMinVersion to kMaxVersion in order, without
// gaps or overlaps. Schema and view code read the row for the negotiated version instead of
// comparing versions themselves.
#pragma once

#include <array>
#include <span>

#include "api/microversion.h"

namespace keypaird::api {

// How a create body's "name" is checked.
enum class NameRule {
  // /v2: printable, with at least one non-space character; surrounding spaces are stripped.
  legacy_v2,
  // 2.1-2.91: printable, no surrounding whitespace, only [_- 0-9a-zA-Z].
  printable,
  // 2.92+: as `printable`, and '@' and '.' are allowed too.
  printable_2_92,
};

// The create body: {"keypair": {"name", "public_key", ...}}.
struct CreateBodySchema {
  bool type = false;     // "type": "ssh" | "x509"
  bool user_id = false;  // "user_id": a string
  bool public_key_required = false;
  NameRule name = NameRule::printable;
  bool additional_properties_refused = true;  // false: unknown keys are dropped (/v2)
};

// The query parameters of one action.
struct QuerySchema {
  bool user_id = false;       // user_id is read (first value)
  bool limit_marker = false;  // limit (digits) and marker are read (last value): pagination
  bool additional_properties_refused = false;  // unknown parameters are a 400
};

// The fields a view shows besides name, public_key and fingerprint, which every view shows.
struct ViewFields {
  bool type = false;
  bool user_id = false;
  bool database_fields = false;  // created_at, deleted, deleted_at, id, updated_at
  bool links = false;            // keypairs_links, when the page is full
};

// One version range and everything keypairs do in it.
struct KeypairMicroversion {
  ApiVersion first;
  ApiVersion last;
  unsigned create_status;
  unsigned delete_status;
  CreateBodySchema create_body;
  QuerySchema index_query;
  QuerySchema show_query;
  QuerySchema delete_query;
  ViewFields list_view;
  ViewFields show_view;
  ViewFields create_view;  // and private_key, when one was generated
};

namespace microversion_table_detail {

inline constexpr QuerySchema kAnyQuery{};  // 2.1-2.9: every parameter ignored
inline constexpr QuerySchema kUserQuery{.user_id = true};
inline constexpr QuerySchema kPageQuery{.user_id = true, .limit_marker = true};
inline constexpr QuerySchema kStrictUserQuery{.user_id = true,
                                              .additional_properties_refused = true};
inline constexpr QuerySchema kStrictPageQuery{
    .user_id = true, .limit_marker = true, .additional_properties_refused = true};

inline constexpr ViewFields kList{};
inline constexpr ViewFields kListTyped{.type = true};
inline constexpr ViewFields kListPaged{.type = true, .links = true};
inline constexpr ViewFields kShow{.user_id = true, .database_fields = true};
inline constexpr ViewFields kShowTyped{.type = true, .user_id = true, .database_fields = true};
inline constexpr ViewFields kCreate{.user_id = true};
inline constexpr ViewFields kCreateTyped{.type = true, .user_id = true};

}  // namespace microversion_table_detail

// The table, oldest first. A new microversion that changes keypairs splits the last row.
inline constexpr auto kKeypairMicroversions = [] {
  using namespace microversion_table_detail;
  return std::array{
      KeypairMicroversion{
          .first = kMinVersion,
          .last = {2, 1},
          .create_status = 200,
          .delete_status = 202,
          .create_body = {},
          .index_query = kAnyQuery,
          .show_query = kAnyQuery,
          .delete_query = kAnyQuery,
          .list_view = kList,
          .show_view = kShow,
          .create_view = kCreate,
      },
      KeypairMicroversion{
          // key types: "type" in the body and every view; 201 and 204
          .first = {2, 2},
          .last = {2, 9},
          .create_status = 201,
          .delete_status = 204,
          .create_body = {.type = true},
          .index_query = kAnyQuery,
          .show_query = kAnyQuery,
          .delete_query = kAnyQuery,
          .list_view = kListTyped,
          .show_view = kShowTyped,
          .create_view = kCreateTyped,
      },
      KeypairMicroversion{
          // user_id: an admin acts on another user's keypairs
          .first = {2, 10},
          .last = {2, 34},
          .create_status = 201,
          .delete_status = 204,
          .create_body = {.type = true, .user_id = true},
          .index_query = kUserQuery,
          .show_query = kUserQuery,
          .delete_query = kUserQuery,
          .list_view = kListTyped,
          .show_view = kShowTyped,
          .create_view = kCreateTyped,
      },
      KeypairMicroversion{
          // pagination of the list: limit, marker, keypairs_links
          .first = {2, 35},
          .last = {2, 74},
          .create_status = 201,
          .delete_status = 204,
          .create_body = {.type = true, .user_id = true},
          .index_query = kPageQuery,
          .show_query = kUserQuery,
          .delete_query = kUserQuery,
          .list_view = kListPaged,
          .show_view = kShowTyped,
          .create_view = kCreateTyped,
      },
      KeypairMicroversion{
          // unknown query parameters refused
          .first = {2, 75},
          .last = {2, 91},
          .create_status = 201,
          .delete_status = 204,
          .create_body = {.type = true, .user_id = true},
          .index_query = kStrictPageQuery,
          .show_query = kStrictUserQuery,
          .delete_query = kStrictUserQuery,
          .list_view = kListPaged,
          .show_view = kShowTyped,
          .create_view = kCreateTyped,
      },
      KeypairMicroversion{
          // import only (no generation), '@' and '.' allowed in names
          .first = {2, 92},
          .last = kMaxVersion,
          .create_status = 201,
          .delete_status = 204,
          .create_body = {.type = true,
                          .user_id = true,
                          .public_key_required = true,
                          .name = NameRule::printable_2_92},
          .index_query = kStrictPageQuery,
          .show_query = kStrictUserQuery,
          .delete_query = kStrictUserQuery,
          .list_view = kListPaged,
          .show_view = kShowTyped,
          .create_view = kCreateTyped,
      },
  };
}();

// The legacy /v2 endpoint's create body (Nova's legacy v2 compatibility: 2.1's schema with
// unknown keys dropped and the relaxed name rule). Its other behaviour is 2.1's row.
inline constexpr CreateBodySchema kLegacyV2CreateBody{.name = NameRule::legacy_v2,
                                                      .additional_properties_refused = false};

// The version right after `v` (microversions count up by one).
constexpr ApiVersion next_version(ApiVersion v) { return {v.major, v.minor + 1}; }

// True when `rows` start at `min`, end at `max`, and each row starts right after the previous
// one ends, with first <= last.
constexpr bool covers_in_order(std::span<const KeypairMicroversion> rows, ApiVersion min,
                               ApiVersion max) {
  if (rows.empty() || rows.front().first != min || rows.back().last != max) return false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].last < rows[i].first) return false;
    if (i > 0 && rows[i].first != next_version(rows[i - 1].last)) return false;
  }
  return true;
}

static_assert(covers_in_order(kKeypairMicroversions, kMinVersion, kMaxVersion),
              "the keypair microversion table must run from kMinVersion to kMaxVersion in order, "
              "without gaps or overlaps");

// The row that holds `version`. Versions outside kMinVersion..kMaxVersion (which negotiation
// refuses) get the nearest row.
constexpr const KeypairMicroversion& keypair_microversion(ApiVersion version) {
  for (const auto& row : kKeypairMicroversions)
    if (version <= row.last) return row;
  return kKeypairMicroversions.back();
}

}  // namespace keypaird::api
