/** The delivery worker's machinery: its gen_server shell, its requests, the store codec. Not an API. */
package org.vertxotp.delivery.impl;
