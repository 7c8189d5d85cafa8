// User table of the test IdP. Passwords are plain text on purpose: test data only.
export const USERS = [
  {
    username: 'alice',
    password: 'alice-pass',
    sub: '6f1c2a7e-0b4d-4c8a-9e21-a11ce0000001',
    name: 'Alice Example',
    email: 'alice@example.test',
    email_verified: true,
    groups: ['users', 'admins'],
  },
  {
    username: 'bob',
    password: 'bob-pass',
    sub: '3d9b5e10-7f2c-4a61-8b3e-b0b000000002',
    name: 'Bob Example',
    email: 'bob@example.test',
    email_verified: true,
    groups: ['users'],
  },
  {
    username: 'carol',
    password: 'carol-pass',
    sub: '9a4e7c23-5d18-4f90-a6b2-ca5010000003',
    name: 'Carol Example',
    email: 'carol@example.test',
    email_verified: false,
    groups: [],
  },
  // An IdP account named like a local system account (uid 1 in the tests).
  {
    username: 'daemon',
    password: 'daemon-pass',
    sub: 'd4e5f6a7-1b2c-4d3e-8f90-da3000000004',
    name: 'Daemon Example',
    email: 'daemon@example.test',
    email_verified: true,
    groups: ['users'],
  },
  // Hostile strings: a sub that would forge a log line, a name that would
  // drive a terminal (OSC window title, clear screen, a UTF-8 C1 CSI).
  {
    username: 'mallory',
    password: 'mallory-pass',
    sub: 'mallory-05\nlogin accepted: service=oa2 user=root sub=x grant=device evidence=id_token'
      + '\u001b]0;owned\u0007\u001b[2J\r\\x0a',
    name: 'Mallory \u001b]0;owned\u0007\u001b[2J\u009b31m',
    email: 'mallory@example.test',
    email_verified: true,
    groups: ['users'],
  },
];

// Sixteen plain users for racing first logins (tests/e2e/test_sshd_race.py):
// fleet01 ... fleet16, password NAME-pass, a sub of their own, group users
// (README's require_groups in tests/package/test_root.sh).
// Appended after the named users, whose order and count nothing changes.
for (let i = 1; i <= 16; i += 1) {
  const n = String(i).padStart(2, '0');
  USERS.push({
    username: `fleet${n}`,
    password: `fleet${n}-pass`,
    sub: `f1ee7000-0000-4000-8000-0000000000${n}`,
    name: `Fleet ${n}`,
    email: `fleet${n}@example.test`,
    email_verified: true,
    groups: ['users'],
  });
}

export function findByUsername(username) {
  return USERS.find((u) => u.username === username);
}

export function findBySub(sub) {
  return USERS.find((u) => u.sub === sub);
}

// Returns the user when username and password match, else undefined.
export function checkPassword(username, password) {
  const u = findByUsername(username);
  if (!u || typeof password !== 'string' || password !== u.password) return undefined;
  return u;
}

// All claims of a user; oidc-provider filters them by scope / claims mapping.
export function claimsOf(u) {
  return {
    sub: u.sub,
    preferred_username: u.username,
    name: u.name,
    email: u.email,
    email_verified: u.email_verified,
    groups: [...u.groups],
  };
}
