#include "core/ManyValueStatement.h"

#include <QSqlDriver>
#include <QSqlError>
#include <QVariant>

#include <sqlite3.h>

#include <atomic>
#include <cstring>
#include <dlfcn.h>
#include <link.h>

namespace bd {

namespace {

std::atomic<bool> s_nativeAllowed{ true };

// The loaded Qt SQLite plugin's file, if any.
int findPlugin(struct dl_phdr_info *info, size_t, void *data)
{
    if (info->dlpi_name && std::strstr(info->dlpi_name, "libqsqlite")) {
        *static_cast<QByteArray *>(data) = QByteArray(info->dlpi_name);
        return 1;
    }
    return 0;
}

// True when the SQLite functions Qt's plugin calls are this program's: the plugin, opened
// again without loading, resolves sqlite3_prepare_v2 to the very function linked here. A
// plugin with a copy of its own resolves to that copy, or to nothing.
bool pluginSharesOurSqlite()
{
    QByteArray plugin;
    dl_iterate_phdr(findPlugin, &plugin);
    if (plugin.isEmpty())
        return false;
    void *handle = ::dlopen(plugin.constData(), RTLD_LAZY | RTLD_NOLOAD);
    if (!handle)
        return false;
    void *theirs = ::dlsym(handle, "sqlite3_prepare_v2");
    ::dlclose(handle);
    return theirs && theirs == reinterpret_cast<void *>(&sqlite3_prepare_v2);
}

sqlite3 *handleOf(const QSqlDatabase &db)
{
    if (!db.isOpen() || !db.driver())
        return nullptr;
    const QVariant v = db.driver()->handle();
    if (!v.isValid() || qstrcmp(v.typeName(), "sqlite3*") != 0)
        return nullptr;
    return *static_cast<sqlite3 *const *>(v.constData());
}

}  // namespace

bool ManyValueStatement::nativeAvailable()
{
    static const bool shared = pluginSharesOurSqlite();   // after a connection loaded the plugin
    return shared && s_nativeAllowed.load();
}

void ManyValueStatement::setNativeAllowedForTests(bool allowed)
{
    s_nativeAllowed = allowed;
}

ManyValueStatement::ManyValueStatement(const QSqlDatabase &db, const QString &sql)
{
    sqlite3 *handle = db.isOpen() && nativeAvailable() ? handleOf(db) : nullptr;
    if (handle) {
        m_connection = handle;
        const QByteArray utf8 = sql.toUtf8();
        if (sqlite3_prepare_v3(handle, utf8.constData(), int(utf8.size()), SQLITE_PREPARE_PERSISTENT, &m_native, nullptr)
            != SQLITE_OK) {
            m_error = QString::fromUtf8(sqlite3_errmsg(handle));
            sqlite3_finalize(m_native);
            m_native = nullptr;
        }
        return;
    }
    m_connection = db.driver();
    m_query = std::make_unique<QSqlQuery>(db);
    if (!m_query->prepare(sql)) {
        m_error = m_query->lastError().text();
        m_query.reset();
    }
}

bool ManyValueStatement::preparedOn(const QSqlDatabase &db) const
{
    if (!isValid() || !db.isOpen())
        return false;
    return m_native ? m_connection == handleOf(db) : m_connection == db.driver();
}

ManyValueStatement::~ManyValueStatement()
{
    sqlite3_finalize(m_native);
}

void ManyValueStatement::bind(int index, qint64 value)
{
    if (m_native)
        sqlite3_bind_int64(m_native, index + 1, value);
    else if (m_query)
        m_query->bindValue(index, value);
}

void ManyValueStatement::bind(int index, const QString &value)
{
    if (value.isNull()) {
        bindNull(index);
    } else if (m_native) {
        sqlite3_bind_text16(m_native, index + 1, value.utf16(), int(value.size() * sizeof(QChar)), SQLITE_TRANSIENT);
    } else if (m_query) {
        m_query->bindValue(index, value);
    }
}

void ManyValueStatement::bindNull(int index)
{
    if (m_native)
        sqlite3_bind_null(m_native, index + 1);
    else if (m_query)
        m_query->bindValue(index, QVariant());
}

bool ManyValueStatement::exec()
{
    if (m_query) {
        if (m_query->exec()) {
            m_query->finish();
            return true;
        }
        m_error = m_query->lastError().text();
        return false;
    }
    if (!m_native) {
        m_error = QStringLiteral("the statement is not prepared");
        return false;
    }
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(m_native);
    const bool ok = rc == SQLITE_DONE;
    if (!ok)
        m_error = QString::fromUtf8(sqlite3_errmsg(sqlite3_db_handle(m_native)));
    sqlite3_reset(m_native);
    sqlite3_clear_bindings(m_native);
    return ok;
}

}  // namespace bd
