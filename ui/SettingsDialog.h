#pragma once
// Settings: the webhook receiver (on/off, address, port, public URL, publishable key) and the
// transfer concurrency, the download folder, the refresh periods; where the data lives (read-only). The publishable key is only handed to AppSession, which keeps it in the
// OS keychain; the rest goes to AppSettings.
#include "WebhookSettings.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace bd::ui {

class SettingsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget *parent = nullptr);

    void setWebhookSettings(const WebhookSettings &settings, bool keyStored);
    WebhookSettings webhookSettings() const;
    // The newly typed publishable key; empty: keep the stored one.
    QString publishableKey() const;
    int uploadConcurrency() const;
    int downloadConcurrency() const;
    void setConcurrency(int upload, int download);
    // Where downloads go by default (this workspace's remembered folder).
    void setDownloadFolder(const QString &folder);
    QString downloadFolder() const;
    // Background refresh periods in seconds: the job list, and batches / output batches.
    void setRefreshIntervals(int jobsSeconds, int batchesSeconds);
    int jobsRefreshSeconds() const;
    int batchesRefreshSeconds() const;

    QCheckBox *enabledBox() const { return m_enabled; }
    QLineEdit *keyEdit() const { return m_key; }
    QSpinBox *portBox() const { return m_port; }
    // Why OK is disabled (empty when the input is acceptable).
    QString problem() const;

private:
    void validate();

    QCheckBox *m_enabled = nullptr;
    QComboBox *m_host = nullptr;
    QSpinBox *m_port = nullptr;
    QLineEdit *m_publicUrl = nullptr;
    QLineEdit *m_key = nullptr;
    QLabel *m_problem = nullptr;
    QSpinBox *m_upload = nullptr;
    QSpinBox *m_download = nullptr;
    QLineEdit *m_downloadFolder = nullptr;
    QSpinBox *m_jobsRefresh = nullptr;
    QSpinBox *m_batchesRefresh = nullptr;
    bool m_keyStored = false;
};

}  // namespace bd::ui
