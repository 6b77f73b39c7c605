#pragma once
// A prepared statement for the few that bind hundreds of values per call (the scan's row
// inserts), driven through SQLite's own API on the handle of a Qt connection. Qt SQL's binding
// formats and hashes a placeholder name per value (QSqlResult::bindValue): three quarters of the
// scan's insert (perf, 10 000 files). It must go before its connection closes (a statement left
// open makes Qt's close fail). It needs Qt's SQLite driver to run on the same SQLite library as
// this program (Debian's and Ubuntu's Qt do: -system-sqlite); with a Qt that carries its own copy
// the statement goes through QSqlQuery instead, unchanged for the caller.
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <memory>

struct sqlite3_stmt;

namespace bd {

class ManyValueStatement
{
public:
    ManyValueStatement() = default;
    ManyValueStatement(const QSqlDatabase &db, const QString &sql);
    ~ManyValueStatement();
    ManyValueStatement(const ManyValueStatement &) = delete;
    ManyValueStatement &operator=(const ManyValueStatement &) = delete;

    bool isValid() const { return m_native || m_query; }
    bool isNative() const { return m_native != nullptr; }
    QString lastError() const { return m_error; }
    // Whether it was prepared on db's current connection (a connection closed and opened again
    // under the same name is another one: its statements are prepared again). The QSqlQuery
    // path knows the driver only: Qt finalises its queries on close, and their next run fails.
    bool preparedOn(const QSqlDatabase &db) const;

    // Positions from 0, as QSqlQuery's. Text is copied: the caller's strings may go at once.
    void bind(int index, qint64 value);
    void bind(int index, const QString &value);   // a null QString binds NULL
    void bindNull(int index);
    // Runs it to its end (rows it returns are dropped), then makes it ready for new values:
    // every value is bound again before the next run.
    bool exec();

    // Whether Qt's SQLite driver shares this program's SQLite library (checked once); tests can
    // turn the native path off to run the QSqlQuery one.
    static bool nativeAvailable();
    static void setNativeAllowedForTests(bool allowed);

private:
    sqlite3_stmt *m_native = nullptr;
    std::unique_ptr<QSqlQuery> m_query;
    const void *m_connection = nullptr;   // SQLite's handle, or Qt's driver (the QSqlQuery path)
    QString m_error;
};

}  // namespace bd
