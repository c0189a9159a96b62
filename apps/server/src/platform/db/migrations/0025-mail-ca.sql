-- A private certificate authority a campaign's mail servers use (PEM
-- certificates, checked on save): trusted besides the system's authorities
-- by its IMAP, POP3 and SMTP connections and by the connection check.
ALTER TABLE campaigns ADD COLUMN mail_ca_pem text;
