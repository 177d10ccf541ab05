"""Tencent Cloud SMS (短信, API 2021-01-11 SendSms) through its official SDK.

The SDK signs each request (TC3-HMAC-SHA256) with the secret id and key; numbers go in E.164,
template parameters as strings in the template's order. Tests point SMS_ENDPOINT at a local
server that answers as the API does (tests/support/sms_endpoint.py)."""
from __future__ import annotations

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from webapp.sms.providers import Message, Provider, SmsError
from webapp.sms.settings import TencentSettings


class TencentProvider(Provider):
    name = "tencent"

    def __init__(self, settings: TencentSettings) -> None:
        self.settings = settings
        self._client: sms_client.SmsClient | None = None

    def client(self) -> sms_client.SmsClient:
        if self._client is None:
            s = self.settings
            http = HttpProfile(protocol=s.scheme, endpoint=s.host, reqTimeout=s.timeout)
            self._client = sms_client.SmsClient(credential.Credential(s.secret_id, s.secret_key),
                                                s.region, ClientProfile(httpProfile=http))
        return self._client

    def send(self, message: Message) -> None:
        template_id = self.settings.templates.get(message.template.setting)
        if not template_id:
            raise SmsError(f"{message.template.setting} is not set: no template for {message.purpose}")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [message.mobile]
        request.SmsSdkAppId = self.settings.sdk_app_id
        request.SignName = self.settings.sign_name
        request.TemplateId = template_id
        request.TemplateParamSet = list(message.params)
        try:
            response = self.client().SendSms(request)
        except TencentCloudSDKException as error:
            raise SmsError(f"Tencent Cloud SMS: {error.get_code()}: {error.get_message()}") from error
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            status = statuses[0] if statuses else None
            raise SmsError(f"Tencent Cloud SMS refused {message.purpose}: "
                           f"{getattr(status, 'Code', 'no status')}: {getattr(status, 'Message', '')}")
