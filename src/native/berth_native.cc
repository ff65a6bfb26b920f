// berth's native addon: the few syscalls Node lacks (mknod, l*xattr, mount, umount2).
// Every function is synchronous and never follows a symlink in the final path component
// (the l* variants). Errors are Node-style: code ("ENOENT"), errno (negative), syscall, path.
#include <napi.h>
#include <uv.h>

#include <cerrno>
#include <string>
#include <vector>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

namespace {

// A path given as a string (UTF-8) or a Buffer (raw bytes, for non-UTF-8 names).
std::string PathArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  Napi::Value v = info[i];
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<char>>();
    return std::string(b.Data(), b.Length());
  }
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string or Buffer");
}

std::string StrArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

int64_t NumArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

[[noreturn]] void ThrowErrno(Napi::Env env, int err, const char* syscall, const std::string& path) {
  const char* code = uv_err_name(-err);
  std::string msg = std::string(code) + ": " + uv_strerror(-err) + ", " + syscall + " '" + path + "'";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.Set("path", Napi::String::New(env, path));
  throw e;
}

Napi::Value Mknod(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info, 0, "path");
  mode_t mode = static_cast<mode_t>(NumArg(info, 1, "mode"));
  unsigned major = static_cast<unsigned>(NumArg(info, 2, "major"));
  unsigned minor = static_cast<unsigned>(NumArg(info, 3, "minor"));
  if (mknod(path.c_str(), mode, makedev(major, minor)) != 0) ThrowErrno(info.Env(), errno, "mknod", path);
  return info.Env().Undefined();
}

Napi::Value Lsetxattr(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info, 0, "path");
  std::string name = StrArg(info, 1, "name");
  if (!info[2].IsBuffer()) throw Napi::TypeError::New(info.Env(), "value must be a Buffer");
  auto value = info[2].As<Napi::Buffer<char>>();
  int flags = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (lsetxattr(path.c_str(), name.c_str(), value.Data(), value.Length(), flags) != 0)
    ThrowErrno(info.Env(), errno, "lsetxattr", path);
  return info.Env().Undefined();
}

Napi::Value Lgetxattr(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info, 0, "path");
  std::string name = StrArg(info, 1, "name");
  for (int attempt = 0; attempt < 8; attempt++) {
    ssize_t size = lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (size < 0) {
      if (errno == ENODATA) return info.Env().Undefined();
      ThrowErrno(info.Env(), errno, "lgetxattr", path);
    }
    std::vector<char> buf(static_cast<size_t>(size) + 1);
    ssize_t got = lgetxattr(path.c_str(), name.c_str(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;  // grew between the two calls
      if (errno == ENODATA) return info.Env().Undefined();
      ThrowErrno(info.Env(), errno, "lgetxattr", path);
    }
    return Napi::Buffer<char>::Copy(info.Env(), buf.data(), static_cast<size_t>(got));
  }
  ThrowErrno(info.Env(), ERANGE, "lgetxattr", path);
}

Napi::Value Llistxattr(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info, 0, "path");
  for (int attempt = 0; attempt < 8; attempt++) {
    ssize_t size = llistxattr(path.c_str(), nullptr, 0);
    if (size < 0) ThrowErrno(info.Env(), errno, "llistxattr", path);
    std::vector<char> buf(static_cast<size_t>(size) + 1);
    ssize_t got = llistxattr(path.c_str(), buf.data(), buf.size());
    if (got < 0) {
      if (errno == ERANGE) continue;
      ThrowErrno(info.Env(), errno, "llistxattr", path);
    }
    Napi::Array out = Napi::Array::New(info.Env());
    uint32_t n = 0;
    size_t start = 0;
    for (size_t i = 0; i < static_cast<size_t>(got); i++) {
      if (buf[i] != '\0') continue;
      if (i > start) out.Set(n++, Napi::String::New(info.Env(), buf.data() + start, i - start));
      start = i + 1;
    }
    return out;
  }
  ThrowErrno(info.Env(), ERANGE, "llistxattr", path);
}

Napi::Value Lremovexattr(const Napi::CallbackInfo& info) {
  std::string path = PathArg(info, 0, "path");
  std::string name = StrArg(info, 1, "name");
  if (lremovexattr(path.c_str(), name.c_str()) != 0) ThrowErrno(info.Env(), errno, "lremovexattr", path);
  return info.Env().Undefined();
}

Napi::Value Mount(const Napi::CallbackInfo& info) {
  std::string source = PathArg(info, 0, "source");
  std::string target = PathArg(info, 1, "target");
  std::string fstype = StrArg(info, 2, "fstype");
  unsigned long flags = static_cast<unsigned long>(NumArg(info, 3, "flags"));
  std::string data = info.Length() > 4 && info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "";
  const char* fs = fstype.empty() ? nullptr : fstype.c_str();
  const char* d = data.empty() ? nullptr : data.c_str();
  if (mount(source.c_str(), target.c_str(), fs, flags, d) != 0) ThrowErrno(info.Env(), errno, "mount", target);
  return info.Env().Undefined();
}

Napi::Value Umount2(const Napi::CallbackInfo& info) {
  std::string target = PathArg(info, 0, "target");
  int flags = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (umount2(target.c_str(), flags) != 0) ThrowErrno(info.Env(), errno, "umount2", target);
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
  exports.Set("lremovexattr", Napi::Function::New(env, Lremovexattr, "lremovexattr"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount2", Napi::Function::New(env, Umount2, "umount2"));
  return exports;
}

}  // namespace

NODE_API_MODULE(berth_native, Init)
