// The checks below run in the order jsonschema reports errors for Nova's schemas: type, then
// each known property in schema order, then required properties, then unexpected properties.
#include "api/keypair_schema.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "api/python_repr.h"
#include "api/unicode_tables.h"

namespace keypaird::api {

namespace json = boost::json;

namespace {

// The texts of the body's integers beyond 64 bits, for quoting values (api/python_json.h).
using BigIntegers = std::vector<std::string>;

std::string field_error(const std::string& field, const json::value& value,
                        const std::string& message, const BigIntegers& big) {
  return "Invalid input for field/attribute " + field + ". Value: " + python_str(value, big) +
         ". " + message;
}

const char* type_name(json::kind kind) {
  switch (kind) {
    case json::kind::object:
      return "object";
    default:
      return "string";
  }
}

std::string not_of_type(const json::value& value, json::kind expected, const BigIntegers& big) {
  return python_repr(value, big) + " is not of type '" + type_name(expected) + "'";
}

std::string additional_properties(std::vector<std::string> extras) {
  std::sort(extras.begin(), extras.end());
  std::string listed;
  for (std::size_t i = 0; i < extras.size(); ++i) {
    if (i) listed += ", ";
    listed += python_repr(std::string_view(extras[i]));
  }
  return "Additional properties are not allowed (" + listed +
         (extras.size() == 1 ? " was unexpected)" : " were unexpected)");
}

// Number of code points, as Python's len() counts them.
std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

// Decodes UTF-8 (already validated by the JSON parser) into code points.
std::u32string decode(std::string_view s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra && i + static_cast<std::size_t>(k) < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
    out += cp;
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

bool is_space(char32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85 ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Nova's "printable" set (api/unicode_tables.h).
bool is_printable_name_char(char32_t cp) { return in_ranges(kNovaPrintableRanges, cp); }

// Nova checks names with Python regular expressions ending in `$`, which also matches just
// before a final newline: "abc\n" passes the printable check (and, but for /v2, fails the next
// one, "Only expected characters"; /v2 strips it with the spaces). The rest is checked.
std::u32string_view without_final_newline(std::u32string_view cps) {
  if (cps.size() > 1 && cps.back() == U'\n') cps.remove_suffix(1);
  return cps;
}

const char* kInvalidName = "An invalid 'name' value was provided. The name must be: ";

// The keypair name rules of 2.1-2.91 and 2.92+; returns an error message or "".
std::string check_name(const json::value& value, NameRule rule, const BigIntegers& big) {
  if (!value.is_string())
    return field_error("name", value, not_of_type(value, json::kind::string, big), big);
  std::string_view name = value.get_string();
  std::size_t length = code_points(name);
  if (length < 1) return field_error("name", value, python_repr(name) + " is too short", big);
  if (length > 255) return field_error("name", value, python_repr(name) + " is too long", big);
  auto cps = decode(name);
  std::u32string_view checked = without_final_newline(cps);
  bool printable = !is_space(checked.front()) && !is_space(checked.back()) &&
                   std::all_of(checked.begin(), checked.end(), is_printable_name_char);
  if (!printable)
    return std::string(kInvalidName) +
           "printable characters. Can not start or end with whitespace.";
  std::string safe = rule == NameRule::printable_2_92 ? "@._- " : "_- ";
  safe += "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (char32_t cp : cps)
    if (cp > 0x7F || safe.find(static_cast<char>(cp)) == std::string::npos)
      return std::string(kInvalidName) + "Only expected characters: [" + safe + "]";
  return "";
}

// The legacy /v2 rule: printable, at least one non-space character; spaces get stripped later.
std::string check_legacy_name(const json::value& value, const BigIntegers& big) {
  if (!value.is_string())
    return field_error("name", value, not_of_type(value, json::kind::string, big), big);
  std::string_view name = value.get_string();
  std::size_t length = code_points(name);
  if (length < 1) return field_error("name", value, python_repr(name) + " is too short", big);
  if (length > 255) return field_error("name", value, python_repr(name) + " is too long", big);
  auto cps = decode(name);
  std::u32string_view checked = without_final_newline(cps);
  bool printable = std::all_of(checked.begin(), checked.end(), is_printable_name_char) &&
                   !std::all_of(checked.begin(), checked.end(), is_space);
  if (!printable)
    return std::string(kInvalidName) + "printable characters with at least one non space character";
  return "";
}

std::string strip_spaces(std::string_view s) {
  auto cps = decode(s);
  std::size_t begin = 0, end = cps.size();
  while (begin < end && is_space(cps[begin])) ++begin;
  while (end > begin && is_space(cps[end - 1])) --end;
  // Re-slice the original bytes: count the bytes of the stripped prefix and suffix.
  std::size_t byte_begin = 0, seen = 0;
  while (seen < begin) {
    ++byte_begin;
    while (byte_begin < s.size() && (static_cast<unsigned char>(s[byte_begin]) & 0xC0) == 0x80)
      ++byte_begin;
    ++seen;
  }
  std::size_t byte_end = s.size();
  seen = cps.size();
  while (seen > end) {
    --byte_end;
    while (byte_end > 0 && (static_cast<unsigned char>(s[byte_end]) & 0xC0) == 0x80) --byte_end;
    --seen;
  }
  return std::string(s.substr(byte_begin, byte_end - byte_begin));
}

}  // namespace

Result<CreateKeypairRequest> validate_create_body(const json::value& body, ApiVersion version,
                                                  bool legacy_v2, const BigIntegers& big) {
  return validate_create_body(
      body, legacy_v2 ? kLegacyV2CreateBody : keypair_microversion(version).create_body, big);
}

Result<CreateKeypairRequest> validate_create_body(const json::value& body,
                                                  const CreateBodySchema& schema,
                                                  const BigIntegers& big) {
  bool legacy_name = schema.name == NameRule::legacy_v2;
  if (!body.is_object()) {
    return Status::invalid_input(not_of_type(body, json::kind::object, big));
  }
  const json::object& top = body.get_object();
  const json::value* keypair_value = top.if_contains("keypair");
  if (keypair_value) {
    const json::value& kv = *keypair_value;
    if (!kv.is_object()) {
      return Status::invalid_input(
          field_error("keypair", kv, not_of_type(kv, json::kind::object, big), big));
    }
    const json::object& keypair = kv.get_object();
    // Known properties, in schema order (Nova's: name, type, public_key, user_id).
    if (auto* name = keypair.if_contains("name")) {
      std::string error =
          legacy_name ? check_legacy_name(*name, big) : check_name(*name, schema.name, big);
      if (!error.empty()) return Status::invalid_input(std::move(error));
    }
    if (auto* type = keypair.if_contains("type"); type && schema.type) {
      if (!type->is_string()) {
        return Status::invalid_input(
            field_error("type", *type, not_of_type(*type, json::kind::string, big), big));
      }
      if (type->get_string() != "ssh" && type->get_string() != "x509") {
        return Status::invalid_input(field_error(
            "type", *type, python_repr(*type, big) + " is not one of ['ssh', 'x509']", big));
      }
    }
    if (auto* key = keypair.if_contains("public_key"); key && !key->is_string()) {
      return Status::invalid_input(
          field_error("public_key", *key, not_of_type(*key, json::kind::string, big), big));
    }
    if (auto* user = keypair.if_contains("user_id"); user && schema.user_id && !user->is_string()) {
      return Status::invalid_input(
          field_error("user_id", *user, not_of_type(*user, json::kind::string, big), big));
    }
    // Required.
    if (!keypair.contains("name")) {
      return Status::invalid_input(
          field_error("keypair", kv, "'name' is a required property", big));
    }
    if (schema.public_key_required && !keypair.contains("public_key")) {
      return Status::invalid_input(
          field_error("keypair", kv, "'public_key' is a required property", big));
    }
    // Unexpected.
    if (schema.additional_properties_refused) {
      std::vector<std::string> extras;
      for (const auto& [key, value] : keypair) {
        bool known = key == "name" || key == "public_key" || (key == "type" && schema.type) ||
                     (key == "user_id" && schema.user_id);
        if (!known) extras.emplace_back(key);
      }
      if (!extras.empty()) {
        return Status::invalid_input(
            field_error("keypair", kv, additional_properties(extras), big));
      }
    }
  }
  if (!keypair_value) {
    return Status::invalid_input("'keypair' is a required property");
  }
  if (schema.additional_properties_refused) {
    std::vector<std::string> extras;
    for (const auto& [key, value] : top)
      if (key != "keypair") extras.emplace_back(key);
    if (!extras.empty()) {
      return Status::invalid_input(additional_properties(extras));
    }
  }

  const json::object& keypair = keypair_value->get_object();
  CreateKeypairRequest request;
  std::string_view name = keypair.at("name").get_string();
  request.name = legacy_name ? strip_spaces(name) : std::string(name);
  if (auto* key = keypair.if_contains("public_key"))
    request.public_key = std::string(key->get_string());
  if (schema.type)
    if (auto* type = keypair.if_contains("type")) request.type = std::string(type->get_string());
  if (schema.user_id)
    if (auto* user = keypair.if_contains("user_id"))
      request.user_id = std::string(user->get_string());
  return request;
}

const QuerySchema& query_schema(KeypairAction action, ApiVersion version) {
  const KeypairMicroversion& row = keypair_microversion(version);
  switch (action) {
    case KeypairAction::index:
      return row.index_query;
    case KeypairAction::show:
      return row.show_query;
    case KeypairAction::remove:
      break;
  }
  return row.delete_query;
}

Result<ListQuery> validate_query(const QueryParameters& params, KeypairAction action,
                                 ApiVersion version) {
  return validate_query(params, query_schema(action, version));
}

Result<ListQuery> validate_query(const QueryParameters& params, const QuerySchema& schema) {
  ListQuery query;
  bool paginated = schema.limit_marker;
  bool with_user = schema.user_id;
  for (const auto& [key, value] : params) {
    if (key == "limit" && paginated) {
      bool digits =
          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        return Status::invalid_input("Invalid input for query parameters limit. Value: " + value +
                                     ". " + python_repr(std::string_view(value)) +
                                     " does not match '^[0-9]*$'");
      }
      if (value.empty()) {
        return Status::invalid_input(
            "Invalid input for query parameters limit. Value: . '' is too short");
      }
    }
  }
  if (schema.additional_properties_refused) {
    std::vector<std::string> extras;
    for (const auto& [key, value] : params) {
      bool known =
          (with_user && key == "user_id") || (paginated && (key == "limit" || key == "marker"));
      if (!known && std::find(extras.begin(), extras.end(), key) == extras.end())
        extras.push_back(key);
    }
    if (!extras.empty()) {
      return Status::invalid_input(additional_properties(extras));
    }
  }
  for (const auto& [key, value] : params) {
    if (key == "user_id" && with_user && !query.user_id) query.user_id = value;
    if (paginated && key == "marker") query.marker = value;
    if (paginated && key == "limit") {
      // Digits only (checked above); clamp absurd lengths instead of overflowing.
      query.limit = value.size() > 18 ? INT64_MAX : std::stoll(value);
    }
  }
  return query;
}

}  // namespace keypaird::api
