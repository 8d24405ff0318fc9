/**
 * Emulator accounts: moto keeps one set of resources per account id. The
 * scenario gives each lane (environments deployed one after another) an
 * account of its own, so environments whose physical names are equal today
 * (function, secret, role names) can be deployed at the same time, as they
 * would be into separate AWS accounts.
 *
 * moto maps an access key to the account whose IAM created it; a key it does
 * not know belongs to the default account {@link DEFAULT_EMULATOR_ACCOUNT}.
 */
import { FAKE_CREDENTIALS } from "./moto";

/** moto's default account: the one the placeholder keys belong to. */
export const DEFAULT_EMULATOR_ACCOUNT = "123456789012";

/** Keys of an emulator account. */
export interface EmulatorCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** An emulator account and keys that act in it. */
export interface EmulatorAccount {
  readonly accountId: string;
  readonly credentials: EmulatorCredentials;
}

async function iamCall(endpoint: string, accountId: string, params: Record<string, string>): Promise<string> {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, "");
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded; charset=utf-8",
      authorization: `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.accessKeyId}/${date}/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
      // moto's own header: act in this account (the emulator does not verify signatures)
      "x-moto-account-id": accountId,
    },
    body: new URLSearchParams({ Version: "2010-05-08", ...params }).toString(),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`iam ${params.Action} in ${accountId}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text;
}

/**
 * An account of the emulator: the default one with the placeholder keys, or
 * any other 12-digit id, for which an IAM user and an access key are created
 * in that account (moto then resolves every request signed with that key to it).
 */
export async function emulatorAccount(endpoint: string, accountId: string): Promise<EmulatorAccount> {
  if (!/^\d{12}$/.test(accountId))
    throw new Error(`emulator account ${accountId} is not a 12-digit account id`);
  if (accountId === DEFAULT_EMULATOR_ACCOUNT) return { accountId, credentials: FAKE_CREDENTIALS };
  const user = `emulator-${accountId}`;
  await iamCall(endpoint, accountId, { Action: "CreateUser", UserName: user });
  const xml = await iamCall(endpoint, accountId, { Action: "CreateAccessKey", UserName: user });
  const accessKeyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
  const secretAccessKey = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(xml)?.[1];
  if (!accessKeyId || !secretAccessKey)
    throw new Error(`no access key in the emulator's CreateAccessKey answer`);
  return { accountId, credentials: { accessKeyId, secretAccessKey } };
}
