<?php
// SimpleSAMLphp 1.19 configuration for the test suite (tests/peers/simplesamlphp.py). Everything
// variable comes from the environment the fixture sets; state lives under $SSP_RUN.
$run = getenv('SSP_RUN');
$config = [
    'baseurlpath' => getenv('SSP_BASEURL'),
    'certdir' => "$run/cert/",
    'metadatadir' => getenv('SSP_TEMPLATES') . '/metadata/',
    'datadir' => "$run/data/",
    'tempdir' => "$run/tmp",
    'loggingdir' => "$run/log/",
    'logging.handler' => 'file',
    'logging.level' => SimpleSAML\Logger::NOTICE,
    'secretsalt' => 'test-only-salt-not-secret',
    'auth.adminpassword' => 'test-only-admin',
    'technicalcontact_email' => 'test@example.org',
    'timezone' => 'UTC',
    'production' => false,
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true, 'admin' => false],
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => "$run/sessions",
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
];
