<?php
$config = [
    'admin' => ['core:AdminPassword'],
    'example-userpass' => [
        'exampleauth:UserPass',
        'alice:alicepass' => [
            'uid' => ['alice'],
            'mail' => ['alice@example.org'],
            'givenName' => ['Alice'],
            'sn' => ['Liddell'],
            'eduPersonAffiliation' => ['member', 'staff'],
            'groups' => ['admins', 'users'],
        ],
        'bob:bobpass' => ['uid' => ['bob'], 'mail' => ['bob@example.org'], 'groups' => ['users']],
    ],
];
