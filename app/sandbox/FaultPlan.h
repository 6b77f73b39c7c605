#pragma once
// Per-route fault injection (--faults FILE, Sandbox::setFaultPlan). The JSON format:
//   {"rules": [{"route": "D5" | "S1" | "S2" | "*", "method": "GET", "match": "substring of path",
//               "times": N, "skip": N, "status": 503, "retryAfter": 2, "delayMs": 1500,
//               "action": "status" | "cut" | "malformed-json" | "html" | "expire-url",
//               "probability": 0.1, "within": N}], "seed": 42}
// The first rule that matches a request and still has shots left fires. "skip" lets the first N
// matching requests through; "times" (default unlimited) caps how often it fires. A rule with
// only delayMs delays the request and then lets it through. "probability" makes a rule fire on
// that share of its matching requests (drawn from a generator seeded by the plan's "seed", so a
// chaos run is repeatable); "within" limits it to the first N matching requests after "skip".
#include <QJsonObject>
#include <QMutex>
#include <QRandomGenerator>
#include <QString>
#include <QVector>

#include <optional>
#include <string>

namespace httplib { struct Response; }

namespace bd::sandbox {

struct Fault {
    QString action;        // "" (delay only), status, cut, malformed-json, html, expire-url
    int status = 0;        // 0: the action's default
    int retryAfter = -1;   // seconds; -1: no header
    int delayMs = 0;
};

class FaultPlan
{
public:
    // Replaces the rules; an empty object clears them. false with *error for a malformed plan.
    bool setPlan(const QJsonObject &plan, QString *error = nullptr);
    // The fault to apply to this request, if any (counts the rule's use).
    std::optional<Fault> take(const QString &routeId, const QString &method, const QString &path);

private:
    struct Rule {
        QString route, method, match;
        int times = -1, skip = 0, within = -1;
        double probability = 1.0;
        Fault fault;
        int seen = 0, fired = 0;
    };
    QMutex m_mutex;
    QVector<Rule> m_rules;
    QRandomGenerator m_random;
};

// Writes the faulty answer. For "cut", `body` is what would have been sent: half of it goes out
// (headers only when empty) and then the connection is closed.
void writeFault(const Fault &fault, httplib::Response &response, const std::string &body = {},
                const std::string &contentType = "application/json");

}  // namespace bd::sandbox
