#pragma once
// Where to connect (embedded sandbox, Roboflow US / EU, or a custom URL) and with which API key.
// The dialog only collects input; the session tests the connection and stores the key in the
// OS keychain. The key field never shows a stored key back (only "stored in keychain").
#include "core/AppSettings.h"

#include <QDialog>

class QButtonGroup;
class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace bd::ui {

class ConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectionDialog(QWidget *parent = nullptr);

    void setProfile(ConnectionProfile profile, const QUrl &customUrl);
    void setKeyStored(bool stored);   // a key for this host is already in the keychain
    ConnectionProfile profile() const;
    QUrl customUrl() const;
    QString apiKey() const;           // empty: keep the stored key
    bool rememberKey() const;

    // The session reports the outcome of a "Test connection" click.
    void showTestResult(bool ok, const QString &text);

Q_SIGNALS:
    void testRequested();

private:
    void updateEnabled();
    QButtonGroup *m_profiles = nullptr;
    QLineEdit *m_url = nullptr;
    QLineEdit *m_key = nullptr;
    QCheckBox *m_remember = nullptr;
    QLabel *m_keyHint = nullptr;
    QLabel *m_result = nullptr;
    QPushButton *m_test = nullptr;
    bool m_keyStored = false;
    class FieldValidation *m_validation = nullptr;
};

}  // namespace bd::ui
