#pragma once
// A tiny programmable HTTP server for the API tests: real sockets on 127.0.0.1, replies queued
// per path (or a default per path), every request recorded with its raw target, headers and body.
// Runs httplib on its own thread; all members are guarded by one mutex.
#include <httplib.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace bdtest {

struct Reply {
    int status = 200;
    std::string body = "{}";
    std::string contentType = "application/json";
    std::multimap<std::string, std::string> headers;
    int delayMs = 0;          // sleep before answering (timeouts)
    long cutAfterBytes = -1;  // announce the full length, send this many bytes, then drop the socket

    static Reply json(const std::string &body, int status = 200)
    {
        Reply r;
        r.status = status;
        r.body = body;
        return r;
    }
};

struct Recorded {
    std::string method;
    std::string path;
    std::string target;  // raw path + query, as sent on the wire
    httplib::Headers headers;
    httplib::Params params;
    std::string body;
    httplib::MultipartFormDataMap files;

    std::string header(const std::string &name) const
    {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    bool hasHeader(const std::string &name) const { return headers.find(name) != headers.end(); }
    std::string param(const std::string &name) const
    {
        auto it = params.find(name);
        return it == params.end() ? std::string() : it->second;
    }
};

class TestServer {
public:
    TestServer()
    {
        m_defaults["/"] = Reply::json(R"({"workspace":"ws"})");
        auto handler = [this](const httplib::Request &req, httplib::Response &res) { handle(req, res); };
        m_server.Get(".*", handler);
        m_server.Post(".*", handler);
        m_server.Put(".*", handler);
        m_port = m_server.bind_to_any_port("127.0.0.1");
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
        while (!m_server.is_running())  // so that stop() cannot run before listen()
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ~TestServer()
    {
        m_server.stop();
        m_thread.join();
    }

    int port() const { return m_port; }
    std::string base() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    // Replies for `path`, used once each and in order; then the path's default.
    void enqueue(const std::string &path, const Reply &reply)
    {
        std::lock_guard lock(m_mutex);
        m_queues[path].push_back(reply);
    }
    void setDefault(const std::string &path, const Reply &reply)
    {
        std::lock_guard lock(m_mutex);
        m_defaults[path] = reply;
    }
    std::vector<Recorded> requests() const
    {
        std::lock_guard lock(m_mutex);
        return m_requests;
    }
    std::vector<Recorded> requestsTo(const std::string &path) const
    {
        std::vector<Recorded> out;
        for (const Recorded &r : requests())
            if (r.path == path)
                out.push_back(r);
        return out;
    }

private:
    void handle(const httplib::Request &req, httplib::Response &res)
    {
        Reply reply;
        {
            std::lock_guard lock(m_mutex);
            m_requests.push_back({req.method, req.path, req.target, req.headers, req.params, req.body, req.files});
            auto q = m_queues.find(req.path);
            if (q != m_queues.end() && !q->second.empty()) {
                reply = q->second.front();
                q->second.pop_front();
            } else if (auto d = m_defaults.find(req.path); d != m_defaults.end()) {
                reply = d->second;
            } else {
                reply = Reply::json(R"({"error":"no such route"})", 404);
            }
        }
        if (reply.delayMs > 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(reply.delayMs));
        res.status = reply.status;
        for (const auto &h : reply.headers)
            res.set_header(h.first.c_str(), h.second);
        if (reply.cutAfterBytes >= 0) {
            const std::string body = reply.body;
            const size_t cut = static_cast<size_t>(reply.cutAfterBytes);
            res.set_content_provider(body.size(), reply.contentType,
                                     [body, cut](size_t offset, size_t, httplib::DataSink &sink) {
                                         if (offset >= cut)
                                             return false;  // drop the connection mid-body
                                         sink.write(body.data() + offset, cut - offset);
                                         return true;
                                     });
            return;
        }
        res.set_content(reply.body, reply.contentType);
    }

    httplib::Server m_server;
    std::thread m_thread;
    int m_port = 0;
    mutable std::mutex m_mutex;
    std::map<std::string, std::deque<Reply>> m_queues;
    std::map<std::string, Reply> m_defaults;
    std::vector<Recorded> m_requests;
};

}  // namespace bdtest
