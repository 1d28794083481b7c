*** Settings ***
Documentation    Keys and issuer: the server takes the secret of the key that iss names, by exact
...              match, among every configured key. The suite adds a second key, "second", with a
...              random secret that is never logged.

Resource         ../../resources/security.resource

Suite Setup      A Good Token And A Second Key Are Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    HOW                                  WITH                                         OUTCOME
The good token as issued
                      Keep The Token As Issued             control row                                  accepted
The iss not among the configured keys
                      Change Claims And Sign               iss = "unknown-key"                          refused: unknown API key
The iss missing
                      Change Claims And Sign               iss = (removed)                              refused: unknown API key
The iss null
                      Change Claims And Sign               iss = null                                   refused: unknown API key
The iss empty
                      Change Claims And Sign               iss = ""                                     refused: unknown API key
The iss not text
                      Change Claims And Sign               iss = 42                                     refused: claims
The iss only under ISS in capitals
                      Move The Issuer Under The Name       ISS
                      ...                                  accepted; v1.12: refused: unknown API key
The iss only under ıss, with a dotless i, is no iss
                      Move The Issuer Under The Name       \u0131ss                                     refused: unknown API key
The iss only under iſs, with a long s, is the iss
                      Move The Issuer Under The Name       i\u017fs
                      ...                                  accepted; v1.12: refused: unknown API key
The iss names the second key, signed with its secret
                      Issue The Token With Key             second                                       accepted
The iss names the second key, signed with the first key's secret
                      Sign As Issuer With The First Key    second                                       refused: signature
The iss names the first key, signed with the second key's secret
                      Sign Token With Secret Of            second                                       refused: signature
The iss a prefix of the API key
                      Change The Issuer To                 a prefix of the API key                      refused: unknown API key
The iss the API key with a suffix
                      Change The Issuer To                 the API key with a suffix                    refused: unknown API key
The iss a substring of the API key
                      Change The Issuer To                 a substring of the API key                   refused: unknown API key
The iss the API key in another case
                      Change The Issuer To                 the API key in upper case                    refused: unknown API key
The iss the API key with a trailing space
                      Change The Issuer To                 the API key with a trailing space            refused: unknown API key
The iss the API key with a leading space
                      Change The Issuer To                 the API key with a leading space             refused: unknown API key
An unknown iss with a grant of the wrong type: the key lookup comes first
                      Change Claims And Sign               iss = "unknown-key"; video = "admin"         refused: unknown API key
An unknown iss with a registered claim of the wrong type: that claim comes first
                      Change Claims And Sign               iss = "unknown-key"; sub = 42                refused: claims
An unknown iss with a signature that is not base64url: the signature is read first
                      Break The Signature Encoding         iss = "unknown-key"                          refused: malformed
