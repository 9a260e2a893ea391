// The one error type of keypaird: a Status (a kind and a message) and Result<T> (a value or a
// Status), in the spirit of LevelDB's Status. Every layer returns these; src/api/ maps each kind
// to an HTTP status and Nova's fault name in one table (api/responses.cpp). Exceptions are kept
// for constructors that cannot return a value.
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace keypaird {

enum class ErrorKind {
  invalid_input,      // the request is malformed or breaks a rule (400)
  unauthenticated,    // no valid credentials (401)
  forbidden,          // policy refuses (403)
  quota_exceeded,     // the user holds as many keypairs as allowed (403)
  not_found,          // no such keypair (404)
  not_acceptable,     // the requested microversion is not offered (406)
  conflict,           // the name is taken (409)
  too_large,          // a body over the limit (413)
  unsupported_media,  // a Content-Type keypaird does not read (415)
  unavailable,        // a database or Keystone failed; nothing was changed (503)
  internal,           // a bug or a failure with no better name (500)
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok
  Status(ErrorKind kind, std::string message)
      : kind_(kind), ok_(false), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalid_input(std::string m) { return {ErrorKind::invalid_input, std::move(m)}; }
  static Status forbidden(std::string m) { return {ErrorKind::forbidden, std::move(m)}; }
  static Status not_found(std::string m) { return {ErrorKind::not_found, std::move(m)}; }
  static Status conflict(std::string m) { return {ErrorKind::conflict, std::move(m)}; }
  static Status quota_exceeded(std::string m) { return {ErrorKind::quota_exceeded, std::move(m)}; }
  static Status unavailable(std::string m) { return {ErrorKind::unavailable, std::move(m)}; }
  static Status internal(std::string m) { return {ErrorKind::internal, std::move(m)}; }

  bool is_ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  ErrorKind kind() const {
    assert(!ok_);
    return kind_;
  }
  bool is(ErrorKind kind) const { return !ok_ && kind_ == kind; }
  const std::string& message() const { return message_; }

 private:
  ErrorKind kind_ = ErrorKind::internal;
  bool ok_ = true;
  std::string message_;
};

// A value, or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, Status>, "use Status for results without a value");

 public:
  // An empty result is an internal error (Asio needs results it can default-construct).
  Result() : state_(std::in_place_index<1>, ErrorKind::internal, "no result") {}
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {
    assert(!std::get<1>(state_).is_ok());
  }

  bool is_ok() const { return state_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The error; only when !is_ok().
  const Status& status() const& { return std::get<1>(state_); }
  Status status() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace keypaird
