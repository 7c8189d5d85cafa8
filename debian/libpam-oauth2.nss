# libnss_oauth2 answers sshd's lookup of a new IdP user before PAM
# (docs/accounts.md); it must come after every source that knows accounts.
passwd after=systemd oauth2
