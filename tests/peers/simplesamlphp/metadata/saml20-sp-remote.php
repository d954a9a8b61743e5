<?php
$metadata[getenv('SSP_SP_ENTITY')] = [
    'AssertionConsumerService' => [[
        'Binding' => 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
        'Location' => getenv('SSP_ACS'),
    ]],
    'NameIDFormat' => 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    'simplesaml.nameidattribute' => 'uid',
    'saml20.sign.response' => getenv('SSP_SIGN_RESPONSE') !== '0',
    'saml20.sign.assertion' => getenv('SSP_SIGN_ASSERTION') !== '0',
    'assertion.encryption' => getenv('SSP_ENCRYPT_ASSERTION') === '1',
    'nameid.encryption' => getenv('SSP_ENCRYPT_NAMEID') === '1',
    'certificate' => 'sp.crt',
];
