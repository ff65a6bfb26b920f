// berth's native addon: the few syscalls Node lacks (mknod, l*xattr, mount, umount2), and the
// per-container network plumbing (netns, veth, loopback) over rtnetlink.
// The file-system functions are synchronous and never follow a symlink in the final path component
// (the l* variants). Errors are Node-style: code ("ENOENT"), errno (negative), syscall, path.
// The network functions return Promises: they run on libuv's thread pool, and whatever must happen
// inside another network namespace (unshare, setns) runs on a short-lived thread of its own, so no
// thread of Node's or libuv's ever changes namespace.
#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <malloc.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

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

// A stream socket connected to the unix socket at path (timeouts for its reads and writes when
// timeoutMs > 0); throws the errno error otherwise, "connect" naming a daemon that is not there.
int ConnectUnix(Napi::Env env, const std::string& path, int timeoutMs) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) ThrowErrno(env, ENAMETOOLONG, "connect", path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket", path);
  if (timeoutMs > 0) {
    timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, "connect", path);
  }
  return fd;
}

// One HTTP exchange over a unix socket, synchronously: connect, send `request` whole, read until the
// server closes (the request says `Connection: close`). For the CLI's one-shot calls, where node:net's
// first use costs more than the exchange. Errors carry errno's code ("connect" for a daemon that is not
// there); a read that waits longer than timeoutMs fails with ETIMEDOUT.
Napi::Value UnixExchange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info, 0, "path");
  if (info.Length() < 2 || !info[1].IsBuffer()) throw Napi::TypeError::New(env, "request must be a Buffer");
  Napi::Buffer<uint8_t> req = info[1].As<Napi::Buffer<uint8_t>>();
  int timeoutMs = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 0;
  int fd = ConnectUnix(env, path, timeoutMs);
  auto fail = [&](const char* syscall) {
    int err = errno;
    close(fd);
    ThrowErrno(env, err, syscall, path);
  };
  size_t off = 0;
  while (off < req.Length()) {
    ssize_t n = send(fd, req.Data() + off, req.Length() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("send");
    }
    off += static_cast<size_t>(n);
  }
  std::vector<uint8_t> out;
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) errno = ETIMEDOUT;
      // a reset after the answer arrived (the server closing at once) still leaves the answer
      if (errno == ECONNRESET && !out.empty()) break;
      fail("read");
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  close(fd);
  return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
}

// Whether something accepts connections on the unix socket at path: connect, then close. Throws the
// connect errno error (ECONNREFUSED, ENOENT, ...) when not.
Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info, 0, "path");
  close(ConnectUnix(env, path, 0));
  return env.Undefined();
}

Napi::Value Umount2(const Napi::CallbackInfo& info) {
  std::string target = PathArg(info, 0, "target");
  int flags = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  if (umount2(target.c_str(), flags) != 0) ThrowErrno(info.Env(), errno, "umount2", target);
  return info.Env().Undefined();
}

// ---- network plumbing (rtnetlink) -------------------------------------------------------------

// A failed step: errno, what was being done ("create veth vethab12"), and the syscall.
struct NetFailure {
  int err;
  std::string step;
  std::string syscall;
};

[[noreturn]] void Fail(int err, std::string step, const char* syscall) {
  throw NetFailure{err, std::move(step), syscall};
}

Napi::Error NetError(Napi::Env env, const NetFailure& f) {
  const char* code = uv_err_name(-f.err);
  Napi::Error e = Napi::Error::New(env, f.step + ": " + std::strerror(f.err));
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, -f.err));
  e.Set("syscall", Napi::String::New(env, f.syscall));
  return e;
}

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// One rtnetlink request, built in place: header, family struct, attributes (nests too).
class NlMsg {
 public:
  NlMsg(uint16_t type, uint16_t flags) : buf_(NLMSG_HDRLEN) {
    Hdr()->nlmsg_type = type;
    Hdr()->nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
  }
  nlmsghdr* Hdr() { return reinterpret_cast<nlmsghdr*>(buf_.data()); }
  void Append(const void* p, size_t n) {
    size_t off = buf_.size();
    buf_.resize(off + NLMSG_ALIGN(n));  // new bytes are zero: padding is clean
    std::memcpy(buf_.data() + off, p, n);
  }
  void Attr(uint16_t type, const void* data, size_t n) {
    size_t off = buf_.size();
    buf_.resize(off + RTA_ALIGN(RTA_LENGTH(n)));
    rtattr a{};
    a.rta_len = static_cast<unsigned short>(RTA_LENGTH(n));
    a.rta_type = type;
    std::memcpy(buf_.data() + off, &a, sizeof a);
    if (n > 0) std::memcpy(buf_.data() + off + RTA_LENGTH(0), data, n);
  }
  void Str(uint16_t type, const std::string& s) { Attr(type, s.c_str(), s.size() + 1); }
  void U32(uint16_t type, uint32_t v) { Attr(type, &v, sizeof v); }
  size_t Nest(uint16_t type) {
    size_t off = buf_.size();
    Attr(type, nullptr, 0);
    return off;
  }
  void End(size_t off) {
    reinterpret_cast<rtattr*>(buf_.data() + off)->rta_len = static_cast<unsigned short>(buf_.size() - off);
  }
  std::vector<char>& Finish() {
    Hdr()->nlmsg_len = static_cast<uint32_t>(buf_.size());
    return buf_;
  }

 private:
  std::vector<char> buf_;
};

// A NETLINK_ROUTE socket. It stays bound to the network namespace of the thread that opened it.
class Rtnl {
 public:
  Rtnl() : fd_(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {
    if (fd_.get() < 0) Fail(errno, "open netlink socket", "socket");
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    if (bind(fd_.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) Fail(errno, "bind netlink socket", "bind");
  }

  // Sends a request and waits for its acknowledgement: 0, or the (positive) errno the kernel answered.
  int Talk(NlMsg& m) {
    uint32_t seq = ++seq_;
    m.Hdr()->nlmsg_seq = seq;
    std::vector<char>& out = m.Finish();
    sockaddr_nl sa{};
    sa.nl_family = AF_NETLINK;
    while (sendto(fd_.get(), out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      if (errno != EINTR) return errno;
    }
    std::vector<char> in(32768);
    for (;;) {
      ssize_t n = recv(fd_.get(), in.data(), in.size(), 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      int len = static_cast<int>(n);
      for (nlmsghdr* r = reinterpret_cast<nlmsghdr*>(in.data()); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
        if (r->nlmsg_seq != seq) continue;
        if (r->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
        if (r->nlmsg_type == NLMSG_DONE) return 0;
      }
    }
  }

  // Sets IFF_UP on a link.
  void LinkUp(int index, const std::string& name) {
    NlMsg m(RTM_NEWLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = index;
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
    m.Append(&ifi, sizeof ifi);
    if (int e = Talk(m)) Fail(e, "set " + name + " up", "netlink");
  }

  // Deletes a link by name: 0, or the errno (ENODEV when there is none).
  int DeleteLink(const std::string& name) {
    NlMsg m(RTM_DELLINK, 0);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    m.Append(&ifi, sizeof ifi);
    m.Str(IFLA_IFNAME, name);
    return Talk(m);
  }

 private:
  Fd fd_;
  uint32_t seq_ = 0;
};

// Runs f on a thread of its own (which may change namespaces and then ends) and waits for it.
void OnOwnThread(const std::function<void()>& f) {
  std::exception_ptr failure;
  std::thread t([&]() {
    try {
      f();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  t.join();
  if (failure) std::rethrow_exception(failure);
}

int IndexOf(const std::string& name, const std::string& what) {
  unsigned idx = if_nametoindex(name.c_str());
  if (idx == 0) Fail(errno == 0 ? ENODEV : errno, "find " + what + " " + name, "if_nametoindex");
  return static_cast<int>(idx);
}

// Brings lo up in the calling thread's network namespace.
void LoopbackUpHere() {
  Rtnl nl;
  nl.LinkUp(IndexOf("lo", "link"), "lo");
}

Fd OpenNetns(const std::string& file) {
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(errno, "open netns " + file, "open");
  return Fd(fd);
}

void EnterNetns(const Fd& ns, const std::string& file) {
  if (setns(ns.get(), CLONE_NEWNET) != 0) Fail(errno, "enter netns " + file, "setns");
}

std::string DirName(const std::string& file) {
  size_t slash = file.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

void NetnsCreateWork(const std::string& file, bool loUp) {
  OnOwnThread([&]() {
    if (unshare(CLONE_NEWNET) != 0) Fail(errno, "create netns", "unshare");
    const char* self = "/proc/thread-self/ns/net";
    if (mount(self, file.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      // A bind onto a shared mount can be refused: make the directory a private mount of its own.
      int first = errno;
      std::string dir = DirName(file);
      mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr);  // may be a mount already
      if (mount(nullptr, dir.c_str(), nullptr, MS_PRIVATE, nullptr) != 0) Fail(first, "bind netns onto " + file, "mount");
      if (mount(self, file.c_str(), nullptr, MS_BIND, nullptr) != 0) Fail(errno, "bind netns onto " + file, "mount");
    }
    if (loUp) LoopbackUpHere();
  });
}

struct VethPlan {
  std::string netns, bridge, hostVeth, ifname;
  unsigned char mac[6];
  in_addr addr;
  unsigned char prefix;
  bool hasGateway;
  in_addr gateway;
};

void VethPlugWork(const VethPlan& p) {
  Fd ns = OpenNetns(p.netns);
  int bridge = IndexOf(p.bridge, "bridge");
  Rtnl host;
  {
    // The pair in one request: the host end on the bridge and up, the peer made inside the netns
    // with its name and MAC (the kernel undoes the whole link when a part fails).
    NlMsg m(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
    m.Append(&ifi, sizeof ifi);
    m.Str(IFLA_IFNAME, p.hostVeth);
    m.U32(IFLA_MASTER, static_cast<uint32_t>(bridge));
    size_t info = m.Nest(IFLA_LINKINFO);
    m.Str(IFLA_INFO_KIND, "veth");
    size_t data = m.Nest(IFLA_INFO_DATA);
    size_t peer = m.Nest(VETH_INFO_PEER);
    ifinfomsg pi{};
    pi.ifi_family = AF_UNSPEC;
    m.Append(&pi, sizeof pi);
    m.Str(IFLA_IFNAME, p.ifname);
    m.Attr(IFLA_ADDRESS, p.mac, sizeof p.mac);
    m.U32(IFLA_NET_NS_FD, static_cast<uint32_t>(ns.get()));
    m.End(peer);
    m.End(data);
    m.End(info);
    if (int e = host.Talk(m)) Fail(e, "create veth " + p.hostVeth, "netlink");
  }
  try {
    OnOwnThread([&]() {
      EnterNetns(ns, p.netns);
      Rtnl in;
      in.LinkUp(IndexOf("lo", "link"), "lo");
      int idx = IndexOf(p.ifname, "link");
      char text[INET_ADDRSTRLEN] = "";
      inet_ntop(AF_INET, &p.addr, text, sizeof text);
      {
        NlMsg m(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        ifaddrmsg ifa{};
        ifa.ifa_family = AF_INET;
        ifa.ifa_prefixlen = p.prefix;
        ifa.ifa_scope = RT_SCOPE_UNIVERSE;
        ifa.ifa_index = static_cast<uint32_t>(idx);
        m.Append(&ifa, sizeof ifa);
        m.Attr(IFA_LOCAL, &p.addr, sizeof p.addr);
        m.Attr(IFA_ADDRESS, &p.addr, sizeof p.addr);
        if (int e = in.Talk(m)) Fail(e, "add address " + std::string(text) + "/" + std::to_string(p.prefix) + " to " + p.ifname, "netlink");
      }
      in.LinkUp(idx, p.ifname);
      if (p.hasGateway) {
        inet_ntop(AF_INET, &p.gateway, text, sizeof text);
        NlMsg m(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
        rtmsg rt{};
        rt.rtm_family = AF_INET;
        rt.rtm_table = RT_TABLE_MAIN;
        rt.rtm_protocol = RTPROT_BOOT;
        rt.rtm_scope = RT_SCOPE_UNIVERSE;
        rt.rtm_type = RTN_UNICAST;
        m.Append(&rt, sizeof rt);
        m.Attr(RTA_GATEWAY, &p.gateway, sizeof p.gateway);
        m.U32(RTA_OIF, static_cast<uint32_t>(idx));
        if (int e = in.Talk(m)) Fail(e, "add default route via " + std::string(text), "netlink");
      }
    });
  } catch (...) {
    host.DeleteLink(p.hostVeth);  // takes the peer with it
    throw;
  }
}

// Runs work on libuv's thread pool; settles a Promise (rejected with a Node-style error).
class NetWorker : public Napi::AsyncWorker {
 public:
  NetWorker(Napi::Env env, std::function<void()> work)
      : Napi::AsyncWorker(env, "berth:net"), work_(std::move(work)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (const NetFailure& f) {
      failure_ = f;
      failed_ = true;
    } catch (const std::exception& e) {
      failure_ = NetFailure{EIO, std::string("network: ") + e.what(), ""};
      failed_ = true;
    }
  }
  void OnOK() override {
    if (failed_) deferred_.Reject(NetError(Env(), failure_).Value());
    else deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  std::function<void()> work_;
  Napi::Promise::Deferred deferred_;
  NetFailure failure_{0, "", ""};
  bool failed_ = false;
};

Napi::Value Queue(Napi::Env env, std::function<void()> work) {
  auto* w = new NetWorker(env, std::move(work));
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

std::string PlanStr(Napi::Object o, const char* key, bool required = true) {
  Napi::Value v = o.Get(key);
  if (v.IsString()) return v.As<Napi::String>().Utf8Value();
  if (!required && (v.IsUndefined() || v.IsNull())) return "";
  throw Napi::TypeError::New(o.Env(), std::string("plan.") + key + " must be a string");
}

// umount2(2) on the thread pool: unmounting an overlay syncs its upper file system (tens of ms after a
// large write), which must not hold up Node's event loop. Resolves, or rejects like umount2.
Napi::Value Umount2Async(const Napi::CallbackInfo& info) {
  std::string target = PathArg(info, 0, "target");
  int flags = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 0;
  return Queue(info.Env(), [target, flags]() {
    if (umount2(target.c_str(), flags) != 0) throw NetFailure{errno, "umount2 '" + target + "'", "umount2"};
  });
}

// sync_file_range(SYNC_FILE_RANGE_WRITE) on the thread pool: starts writing back a range of a file being
// written, so that its fsync at the end has little left to wait for.
Napi::Value StartWriteback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber())
    throw Napi::TypeError::New(env, "startWriteback(fd, offset, length)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  off64_t offset = info[1].As<Napi::Number>().Int64Value();
  off64_t length = info[2].As<Napi::Number>().Int64Value();
  return Queue(env, [fd, offset, length]() {
    if (sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) != 0) throw NetFailure{errno, "sync_file_range", "sync_file_range"};
  });
}

Napi::Value NetnsCreate(const Napi::CallbackInfo& info) {
  std::string file = StrArg(info, 0, "file");
  bool loUp = info.Length() > 1 && info[1].ToBoolean().Value();
  return Queue(info.Env(), [file, loUp]() { NetnsCreateWork(file, loUp); });
}

Napi::Value VethPlug(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "plan must be an object");
  Napi::Object o = info[0].As<Napi::Object>();
  VethPlan p{};
  p.netns = PlanStr(o, "netns");
  p.bridge = PlanStr(o, "bridge");
  p.hostVeth = PlanStr(o, "hostVeth");
  p.ifname = PlanStr(o, "ifname");
  for (const std::string* n : {&p.bridge, &p.hostVeth, &p.ifname}) {
    if (n->empty() || n->size() >= IFNAMSIZ) throw Napi::TypeError::New(env, "invalid interface name \"" + *n + "\"");
  }
  std::string mac = PlanStr(o, "mac");
  unsigned m[6];
  char tail;
  if (std::sscanf(mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &tail) != 6)
    throw Napi::TypeError::New(env, "invalid MAC address \"" + mac + "\"");
  for (int i = 0; i < 6; i++) p.mac[i] = static_cast<unsigned char>(m[i]);
  std::string cidr = PlanStr(o, "addressCidr");
  size_t slash = cidr.find('/');
  int prefix = -1;
  if (slash != std::string::npos) {
    try {
      size_t used = 0;
      prefix = std::stoi(cidr.substr(slash + 1), &used);
      if (used != cidr.size() - slash - 1) prefix = -1;
    } catch (const std::exception&) {
      prefix = -1;
    }
  }
  if (prefix < 0 || prefix > 32 || inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &p.addr) != 1)
    throw Napi::TypeError::New(env, "invalid address \"" + cidr + "\" (want a.b.c.d/len)");
  p.prefix = static_cast<unsigned char>(prefix);
  std::string gw = PlanStr(o, "gateway", false);
  p.hasGateway = !gw.empty();
  if (p.hasGateway && inet_pton(AF_INET, gw.c_str(), &p.gateway) != 1) throw Napi::TypeError::New(env, "invalid gateway \"" + gw + "\"");
  return Queue(env, [p]() { VethPlugWork(p); });
}

Napi::Value LinkDelete(const Napi::CallbackInfo& info) {
  std::string name = StrArg(info, 0, "name");
  return Queue(info.Env(), [name]() {
    Rtnl nl;
    int e = nl.DeleteLink(name);
    if (e != 0 && e != ENODEV) Fail(e, "delete link " + name, "netlink");
  });
}

Napi::Value LoopbackUp(const Napi::CallbackInfo& info) {
  std::string file = StrArg(info, 0, "netnsFile");
  return Queue(info.Env(), [file]() {
    Fd ns = OpenNetns(file);
    OnOwnThread([&]() {
      EnterNetns(ns, file);
      LoopbackUpHere();
    });
  });
}

// Gives memory back when the daemon is idle: V8's full low-memory collection (which also shrinks the
// young generation back to its smallest size), then glibc's malloc_trim over every arena. Returns
// whether malloc_trim released anything.
Napi::Value ReclaimMemory(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
}

std::vector<std::string> StrArrayArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of strings");
  Napi::Array a = info[i].As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value v = a.Get(k);
    if (!v.IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of strings");
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

// execve(2): replaces this process (same pid) with path, argv and env ("K=V" strings), keeping fds 0-2.
// Returns only by throwing the errno error.
Napi::Value Execve(const Napi::CallbackInfo& info) {
  std::string path = StrArg(info, 0, "path");
  std::vector<std::string> args = StrArrayArg(info, 1, "argv");
  std::vector<std::string> envs = StrArrayArg(info, 2, "env");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  // stdin, stdout and stderr go on to the new image even where Node marked them close-on-exec.
  for (int fd = 0; fd <= 2; fd++) {
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) != 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
  execve(path.c_str(), argv.data(), envp.data());
  ThrowErrno(info.Env(), errno, "execve", path);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mknod", Napi::Function::New(env, Mknod, "mknod"));
  exports.Set("lsetxattr", Napi::Function::New(env, Lsetxattr, "lsetxattr"));
  exports.Set("lgetxattr", Napi::Function::New(env, Lgetxattr, "lgetxattr"));
  exports.Set("llistxattr", Napi::Function::New(env, Llistxattr, "llistxattr"));
  exports.Set("lremovexattr", Napi::Function::New(env, Lremovexattr, "lremovexattr"));
  exports.Set("mount", Napi::Function::New(env, Mount, "mount"));
  exports.Set("umount2", Napi::Function::New(env, Umount2, "umount2"));
  exports.Set("umount2Async", Napi::Function::New(env, Umount2Async, "umount2Async"));
  exports.Set("unixExchange", Napi::Function::New(env, UnixExchange, "unixExchange"));
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect, "unixConnect"));
  exports.Set("startWriteback", Napi::Function::New(env, StartWriteback, "startWriteback"));
  exports.Set("netnsCreate", Napi::Function::New(env, NetnsCreate, "netnsCreate"));
  exports.Set("vethPlug", Napi::Function::New(env, VethPlug, "vethPlug"));
  exports.Set("linkDelete", Napi::Function::New(env, LinkDelete, "linkDelete"));
  exports.Set("loopbackUp", Napi::Function::New(env, LoopbackUp, "loopbackUp"));
  exports.Set("execve", Napi::Function::New(env, Execve, "execve"));
  exports.Set("reclaimMemory", Napi::Function::New(env, ReclaimMemory, "reclaimMemory"));
  return exports;
}

}  // namespace

NODE_API_MODULE(berth_native, Init)
