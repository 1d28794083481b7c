*** Settings ***
Documentation    Keys and issuer: the server takes the secret of the key that iss names, by exact
...              match, among every configured key. The suite adds a second key, "second", with a
...              random secret that is never logged.

Resource         ../../resources/security.resource

Suite Setup      A Good Token And A Second Key Are Ready
Test Template    The Token Made By Should Be


*** Test Cases ***    MADE BY                                 WITH                                    OUTCOME
The good token as issued
                      Leaving The Token As Issued             control row                             accepted
The iss not among the configured keys
                      Changing Claims And Signing Again       iss = "unknown-key"                     unknown-api-key
The iss missing
                      Changing Claims And Signing Again       iss = (removed)                         unknown-api-key
The iss null
                      Changing Claims And Signing Again       iss = null                              unknown-api-key
The iss empty
                      Changing Claims And Signing Again       iss = ""                                unknown-api-key
The iss not text
                      Changing Claims And Signing Again       iss = 42                                claims
The iss only under ISS in capitals
                      Moving The Issuer Under The Name        ISS
                      ...                                     accepted; v1.12: unknown-api-key
The iss only under ıss, with a dotless i, is no iss
                      Moving The Issuer Under The Name        \u0131ss                                unknown-api-key
The iss only under iſs, with a long s, is the iss
                      Moving The Issuer Under The Name        i\u017fs
                      ...                                     accepted; v1.12: unknown-api-key
The iss names the second key, signed with its secret
                      Issuing A Token Signed By Key           second                                  accepted
The iss names the second key, signed with the first key's secret
                      Signing As Issuer With The First Key    second                                  signature
The iss names the first key, signed with the second key's secret
                      Signing With The Secret Of Key          second                                  signature
The iss a prefix of the API key
                      Changing The Issuer To                  a prefix of the API key                 unknown-api-key
The iss the API key with a suffix
                      Changing The Issuer To                  the API key with a suffix               unknown-api-key
The iss a substring of the API key
                      Changing The Issuer To                  a substring of the API key              unknown-api-key
The iss the API key in another case
                      Changing The Issuer To                  the API key in upper case               unknown-api-key
The iss the API key with a trailing space
                      Changing The Issuer To                  the API key with a trailing space       unknown-api-key
The iss the API key with a leading space
                      Changing The Issuer To                  the API key with a leading space        unknown-api-key
An unknown iss with a grant of the wrong type: the key lookup comes first
                      Changing Claims And Signing Again       iss = "unknown-key"; video = "admin"    unknown-api-key
An unknown iss with a registered claim of the wrong type: that claim comes first
                      Changing Claims And Signing Again       iss = "unknown-key"; sub = 42           claims
An unknown iss with a signature that is not base64url: the signature is read first
                      Breaking The Signature Encoding         iss = "unknown-key"                     malformed
